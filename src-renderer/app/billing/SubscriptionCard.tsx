/**
 * Account → Subscription: the plan and its state; "See more" → "Cancel subscription" → "Confirm" (to the
 * period end, or the earliest end a minimum term and notice allow); "Reactivate" before the end; the
 * checkout when there is nothing running; the invoices as PDF. Members of an organisation see who manages
 * their subscription and change nothing.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Subscription } from '../../../src-preload/contract';
import { FormError, useCommand } from '../../components/forms';
import { InlineConfirm } from '../../components/InlineConfirm';
import { useQuery } from '../../components/useQuery';
import { AddOnsPanel } from './AddOnsPanel';
import { Checkout } from './Checkout';
import { useTelehealthStore } from './telehealthStore';
import { money } from './billingModel';
import { useSubscriptionStore } from './subscriptionStore';
import { uiLocale } from '../time';

export function SubscriptionCard() {
  const { t, i18n } = useTranslation('common');
  const subscription = useSubscriptionStore((s) => s.subscription);
  const load = useSubscriptionStore((s) => s.load);
  const setSubscription = useSubscriptionStore((s) => s.set);
  const [invoices, reloadInvoices] = useQuery(() => window.clinic.billing.invoices(), []);
  const [more, setMore] = useState(false);
  const [addOns, setAddOns] = useState(false);
  const loadMinutes = useTelehealthStore((s) => s.load);
  const [confirming, setConfirming] = useState(false);
  const command = useCommand();
  const download = useCommand();
  if (!subscription) return null;
  const date = (at: number) => new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'long' }).format(at);
  const running = subscription.status === 'active' || subscription.status === 'past_due';
  const changed = (value: Subscription | null) => {
    if (value) setSubscription(value);
    setConfirming(false);
  };

  return (
    <section className="card" id="subscription" data-testid="subscription-card">
      <h2>{t('billing.title')}</h2>
      <dl>
        <dt>{t('billing.plan')}</dt>
        <dd data-testid="subscription-plan">{subscription.plan?.name ?? t('billing.trialPlan')}</dd>
        <dt>{t('billing.statusLabel')}</dt>
        <dd data-testid="subscription-status">{t(`billing.status.${subscription.status}`)}</dd>
        {subscription.status === 'trialing' && (
          <>
            <dt>{t('billing.trialEndsLabel')}</dt>
            <dd>{date(subscription.trialEndsAt)}</dd>
          </>
        )}
        {running && subscription.currentPeriodEnd !== null && (
          <>
            <dt>{subscription.cancelAtPeriodEnd ? t('billing.endsLabel') : t('billing.renewsLabel')}</dt>
            <dd data-testid="subscription-period-end">{date(subscription.endsAt ?? subscription.currentPeriodEnd)}</dd>
          </>
        )}
        {subscription.card && (
          <>
            <dt>{t('billing.card')}</dt>
            <dd>
              {t(`billing.brands.${subscription.card.brand}`, { defaultValue: subscription.card.brand })} ••••{' '}
              {subscription.card.last4}
            </dd>
          </>
        )}
        {subscription.plan?.perSeat && (
          <>
            <dt>{t('billing.seats')}</dt>
            <dd>{subscription.seats}</dd>
          </>
        )}
      </dl>
      {!subscription.canManage ? (
        <p className="hint" data-testid="subscription-managed">
          {t('billing.managedBy', { name: subscription.managedBy?.name ?? '' })}
        </p>
      ) : running ? (
        subscription.cancelAtPeriodEnd ? (
          <div className="row spread">
            <p data-testid="subscription-ends">
              {t('billing.endsOn', { date: date(subscription.endsAt ?? subscription.currentPeriodEnd ?? 0) })}
            </p>
            <button
              type="button"
              disabled={command.busy}
              onClick={async () => changed(await command.run(window.clinic.billing.reactivate()))}
              data-testid="subscription-reactivate"
            >
              {t('billing.reactivate')}
            </button>
          </div>
        ) : (
          <>
            <button type="button" className="link" onClick={() => setMore(!more)} data-testid="subscription-more">
              {more ? t('billing.seeLess') : t('billing.seeMore')}
            </button>
            {more && (
              <div className="more" data-testid="subscription-details">
                {subscription.plan && (
                  <p className="hint">
                    {subscription.plan.minimumTermMonths > 0
                      ? t('billing.termText', {
                          months: subscription.plan.minimumTermMonths,
                          days: subscription.plan.noticeDays,
                        })
                      : t('billing.noLockInText')}
                  </p>
                )}
                {subscription.earliestEndAt !== null && (
                  <p data-testid="subscription-earliest">
                    {t('billing.earliest', { date: date(subscription.earliestEndAt) })}
                  </p>
                )}
                {confirming ? (
                  <InlineConfirm
                    question={t('billing.cancelQuestion', { date: date(subscription.earliestEndAt ?? 0) })}
                    keepLabel={t('billing.keep')}
                    confirmLabel={t('billing.confirm')}
                    onKeep={() => setConfirming(false)}
                    onConfirm={async () => changed(await command.run(window.clinic.billing.cancel()))}
                    busy={command.busy}
                    testId="subscription-cancel-confirm"
                  />
                ) : (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => setConfirming(true)}
                    data-testid="subscription-cancel"
                  >
                    {t('billing.cancel')}
                  </button>
                )}
              </div>
            )}
          </>
        )
      ) : (
        <>
          {subscription.status !== 'trialing' && <p className="hint">{t('billing.dataKept')}</p>}
          <Checkout
            onPaid={() => {
              void load();
              reloadInvoices();
            }}
          />
        </>
      )}
      <FormError error={command.error} fields={[]} />
      {addOns ? (
        <AddOnsPanel
          onChanged={() => {
            void load();
            reloadInvoices();
          }}
        />
      ) : (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            void loadMinutes();
            setAddOns(true);
          }}
          data-testid="addons-open"
        >
          {t('telehealth.open')}
        </button>
      )}
      {invoices && invoices.length > 0 && (
        <>
          <h3>{t('billing.invoices')}</h3>
          <ul className="plain" data-testid="invoices">
            {invoices.map((invoice) => (
              <li key={invoice.id} className="row spread">
                <span>
                  {invoice.number} · {date(invoice.issuedAt)} ·{' '}
                  {money(invoice.totalMinor, invoice.currency, i18n.language)}
                </span>
                <button
                  type="button"
                  className="secondary"
                  disabled={download.busy}
                  onClick={() => void download.run(window.clinic.billing.saveInvoice({ id: invoice.id }))}
                  data-testid={`invoice-download-${invoice.number}`}
                >
                  {t('billing.download')}
                </button>
              </li>
            ))}
          </ul>
          <FormError error={download.error} fields={[]} />
        </>
      )}
    </section>
  );
}
