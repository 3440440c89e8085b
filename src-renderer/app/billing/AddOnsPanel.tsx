/**
 * Account → Subscription → "Manage my add-ons": the video minutes, and Telehealth Pro. The flow of the
 * help page: "Manage add-ons" → select Telehealth Pro → "Add" → "Update subscription", which charges the
 * rest of the period pro rata (shown before) and from the next renewal the full price. Removing keeps it
 * until the period end. A trial keeps its 60 minutes; an Apple-billed subscription gets the steps to
 * switch; a managed one names who manages it.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError, useCommand } from '../../components/forms';
import { InlineConfirm } from '../../components/InlineConfirm';
import { money, newPaymentKey } from './billingModel';
import { useTelehealthStore } from './telehealthStore';
import { uiLocale } from '../time';

export function AddOnsPanel({ onChanged }: { onChanged: () => void }) {
  const { t, i18n } = useTranslation('common');
  const usage = useTelehealthStore((s) => s.usage);
  const setUsage = useTelehealthStore((s) => s.set);
  const [step, setStep] = useState<'closed' | 'list' | 'review'>('closed');
  const [selected, setSelected] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [key, setKey] = useState(newPaymentKey);
  const command = useCommand();
  if (!usage) return null;
  const date = (at: number) => new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'long' }).format(at);
  const price = money(usage.priceMinor, usage.currency, i18n.language);
  const done = (value: typeof usage | null) => {
    if (!value) return;
    setUsage(value);
    setStep('closed');
    setSelected(false);
    setRemoving(false);
    setKey(newPaymentKey());
    onChanged();
  };

  return (
    <div className="addons" data-testid="addons">
      <h3>{t('telehealth.title')}</h3>
      <dl>
        <dt>{t('telehealth.usedLabel')}</dt>
        <dd data-testid="addons-used">{t('telehealth.minutes', { count: usage.usedMinutes })}</dd>
        <dt>{t('telehealth.leftLabel')}</dt>
        <dd data-testid="addons-left">{t('telehealth.minutes', { count: usage.remainingMinutes })}</dd>
        <dt>{t('telehealth.trialLabel')}</dt>
        <dd>{t('telehealth.minutes', { count: usage.trialMinutesLeft })}</dd>
        {usage.resetsAt !== null && (
          <>
            <dt>{t('telehealth.resetsLabel')}</dt>
            <dd>{date(usage.resetsAt)}</dd>
          </>
        )}
      </dl>
      {usage.blocked === 'managed' ? (
        <p className="hint" data-testid="addons-managed">
          {t('billing.askManager', { name: usage.managedBy?.name ?? '' })}
        </p>
      ) : usage.addOn ? (
        <div className="row spread">
          <p data-testid="addon-active">
            {usage.addOnEndsAt !== null
              ? t('telehealth.endsOn', { date: date(usage.addOnEndsAt) })
              : t('telehealth.active', { count: usage.includedMinutes })}
          </p>
          {usage.addOnEndsAt === null &&
            (removing ? (
              <InlineConfirm
                question={t('telehealth.removeQuestion', { date: date(usage.resetsAt ?? 0) })}
                keepLabel={t('telehealth.keep')}
                confirmLabel={t('telehealth.remove')}
                onKeep={() => setRemoving(false)}
                onConfirm={async () => done(await command.run(window.clinic.telehealth.removeAddOn()))}
                busy={command.busy}
                testId="addon-remove-confirm"
              />
            ) : (
              <button type="button" className="secondary" onClick={() => setRemoving(true)} data-testid="addon-remove">
                {t('telehealth.remove')}
              </button>
            ))}
        </div>
      ) : step === 'closed' ? (
        <button type="button" onClick={() => setStep('list')} data-testid="addons-manage">
          {t('telehealth.manage')}
        </button>
      ) : usage.blocked === 'apple' ? (
        <div data-testid="addons-apple">
          <p>{t('telehealth.apple.intro')}</p>
          <ol>
            <li>{t('telehealth.apple.step1')}</li>
            <li>{t('telehealth.apple.step2')}</li>
            <li>{t('telehealth.apple.step3')}</li>
            <li>{t('telehealth.apple.step4')}</li>
          </ol>
        </div>
      ) : usage.blocked === 'trial' ? (
        <p className="hint" data-testid="addons-trial">
          {t('errors.addon_needs_subscription')}
        </p>
      ) : usage.blocked === 'no_card' ? (
        <p className="hint">{t('errors.addon_no_card')}</p>
      ) : step === 'list' ? (
        <div className="addon-list">
          <label className="check">
            <input
              type="checkbox"
              checked={selected}
              onChange={(e) => setSelected(e.target.checked)}
              data-testid="addon-telehealth-select"
            />
            {t('telehealth.offer', { price, count: 2000 })}
          </label>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setStep('closed')}>
              {t('common.cancel')}
            </button>
            <button type="button" disabled={!selected} onClick={() => setStep('review')} data-testid="addon-add">
              {t('telehealth.add')}
            </button>
          </div>
        </div>
      ) : (
        <div className="addon-review" data-testid="addon-review">
          <p>
            {t('telehealth.review', {
              now: money(usage.proratedMinor ?? 0, usage.currency, i18n.language),
              price,
            })}
          </p>
          <p className="hint">{t('telehealth.rounding')}</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setStep('list')}>
              {t('common.back')}
            </button>
            <button
              type="button"
              disabled={command.busy}
              onClick={async () => done(await command.run(window.clinic.telehealth.addAddOn({ idempotencyKey: key })))}
              data-testid="addon-update"
            >
              {t('telehealth.update')}
            </button>
          </div>
        </div>
      )}
      <FormError error={command.error} fields={[]} />
    </div>
  );
}
