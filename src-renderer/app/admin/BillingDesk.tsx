/**
 * Billing in the admin panel. An organisation's admin manages the organisation's subscription there (one
 * invoice per period for all licences); the service desk sees subscriptions by status, the trials ending
 * this week and revenue per month, and creates vouchers (the same as the server's `voucher-create`).
 */
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { VoucherCreate } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { money, newPaymentKey } from '../billing/billingModel';
import { SubscriptionCard } from '../billing/SubscriptionCard';
import { useAppStore } from '../store';
import { uiLocale } from '../time';

export function BillingDesk() {
  const role = useAppStore((s) => s.account?.profile?.role);
  if (role === 'org_admin')
    return (
      <>
        <SubscriptionCard />
        <TelehealthMembers />
      </>
    );
  return (
    <>
      <Overview />
      <Vouchers />
    </>
  );
}

/** Telehealth Pro per colleague: a switch each, with their minutes; switching on charges the seat pro rata. */
function TelehealthMembers() {
  const { t, i18n } = useTranslation('common');
  const [members, reload] = useQuery(() => window.clinic.telehealth.members(), []);
  const command = useCommand();
  if (!members) return null;
  return (
    <section className="card" data-testid="telehealth-members">
      <h2>{t('telehealth.title')}</h2>
      <p className="hint">{t('telehealth.membersHint')}</p>
      <table className="list">
        <thead>
          <tr>
            <th>{t('admin.billing.colleague')}</th>
            <th>{t('telehealth.usedLabel')}</th>
            <th>{t('telehealth.leftLabel')}</th>
            <th>{t('telehealth.title')}</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id} data-testid={`telehealth-member-${m.id}`}>
              <td>{m.name}</td>
              <td className="number">{m.usedMinutes}</td>
              <td className="number">{m.remainingMinutes}</td>
              <td>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={m.addOn && m.addOnEndsAt === null}
                    disabled={command.busy}
                    onChange={async (e) => {
                      const on = e.target.checked;
                      if (
                        await command.run(
                          window.clinic.telehealth.setMember({ id: m.id, addOn: on, idempotencyKey: newPaymentKey() }),
                        )
                      )
                        reload();
                    }}
                    aria-label={t('telehealth.switch', { name: m.name })}
                    data-testid={`telehealth-switch-${m.id}`}
                  />
                  {m.addOnEndsAt !== null &&
                    ` ${t('telehealth.until', { date: new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium' }).format(m.addOnEndsAt) })}`}
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormError error={command.error} fields={[]} />
    </section>
  );
}

function Overview() {
  const { t, i18n } = useTranslation('common');
  const [overview] = useQuery(() => window.clinic.billing.overview(), []);
  if (!overview) return null;
  const date = (at: number) => new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium' }).format(at);
  return (
    <section className="card" data-testid="billing-overview">
      <h2>{t('admin.billing.overview')}</h2>
      <dl>
        {Object.entries(overview.byStatus).map(([status, count]) => (
          <div key={status} className="row spread">
            <dt>{t(`billing.status.${status}`)}</dt>
            <dd data-testid={`billing-count-${status}`}>{count}</dd>
          </div>
        ))}
      </dl>
      <h3>{t('admin.billing.trialsEnding')}</h3>
      {overview.trialsEndingThisWeek.length === 0 ? (
        <p className="hint">{t('common.none')}</p>
      ) : (
        <ul className="plain" data-testid="trials-ending">
          {overview.trialsEndingThisWeek.map((trial) => (
            <li key={trial.owner}>
              {trial.name} · {date(trial.trialEndsAt)}
            </li>
          ))}
        </ul>
      )}
      <h3>{t('admin.billing.revenue')}</h3>
      <table className="list" data-testid="revenue">
        <tbody>
          {overview.revenueByMonth.map((row) => (
            <tr key={`${row.month} ${row.currency}`}>
              <td>{row.month}</td>
              <td className="number">{money(row.totalMinor, row.currency, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const EMPTY = { code: '', kind: 'percent' as VoucherCreate['kind'], value: '', currency: 'EUR', max: '', validTo: '' };

function Vouchers() {
  const { t, i18n } = useTranslation('common');
  const [vouchers, reload] = useQuery(() => window.clinic.billing.vouchers(), []);
  const [form, setForm] = useState(EMPTY);
  const command = useCommand();
  const ids = { code: useId(), kind: useId(), value: useId(), currency: useId(), max: useId(), validTo: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = Number(form.value);
    const created = await command.run(
      window.clinic.billing.createVoucher({
        code: form.code.trim().toUpperCase(),
        kind: form.kind,
        // Percent typed in whole percent; stored in basis points. Amounts in the currency's main unit.
        value:
          form.kind === 'percent' ? Math.round(value * 100) : form.kind === 'amount' ? Math.round(value * 100) : value,
        currency: form.kind === 'amount' ? (form.currency as 'EUR') : null,
        maxRedemptions: form.max ? Number(form.max) : null,
        validTo: form.validTo ? Date.parse(`${form.validTo}T23:59:59Z`) : null,
      }),
    );
    if (created) {
      setForm(EMPTY);
      reload();
    }
  };
  const effect = (v: NonNullable<typeof vouchers>[number]) =>
    v.kind === 'percent'
      ? `${v.value / 100} %`
      : v.kind === 'amount'
        ? money(v.value, v.currency ?? 'EUR', i18n.language)
        : t('admin.billing.months', { count: v.value });
  return (
    <section className="card" data-testid="vouchers">
      <h2>{t('admin.billing.vouchers')}</h2>
      <table className="list">
        <tbody>
          {vouchers?.map((v) => (
            <tr key={v.code} data-testid={`voucher-${v.code}`}>
              <td className="mono">{v.code}</td>
              <td>{effect(v)}</td>
              <td>
                {v.redemptions}/{v.maxRedemptions ?? '∞'}
              </td>
              <td>{v.plans.join(', ') || t('admin.billing.allPlans')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="form-grid three" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={ids.code}>{t('admin.billing.code')}</label>
          <input id={ids.code} value={form.code} onChange={(e) => setForm({ ...form, code: e.target.value })} />
          <FieldError error={command.error} field="code" />
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>{t('admin.billing.kind')}</label>
          <select
            id={ids.kind}
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.target.value as VoucherCreate['kind'] })}
          >
            {(['percent', 'amount', 'months'] as const).map((kind) => (
              <option key={kind} value={kind}>
                {t(`admin.billing.kinds.${kind}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.value}>{t('admin.billing.value')}</label>
          <input
            id={ids.value}
            inputMode="decimal"
            value={form.value}
            onChange={(e) => setForm({ ...form, value: e.target.value })}
          />
          <FieldError error={command.error} field="value" />
        </div>
        {form.kind === 'amount' && (
          <div className="field">
            <label htmlFor={ids.currency}>{t('admin.billing.currency')}</label>
            <select
              id={ids.currency}
              value={form.currency}
              onChange={(e) => setForm({ ...form, currency: e.target.value })}
            >
              {['EUR', 'CHF', 'SEK', 'DKK'].map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.max}>{t('admin.billing.max')}</label>
          <input
            id={ids.max}
            inputMode="numeric"
            value={form.max}
            onChange={(e) => setForm({ ...form, max: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.validTo}>{t('admin.billing.validTo')}</label>
          <input
            id={ids.validTo}
            type="date"
            value={form.validTo}
            onChange={(e) => setForm({ ...form, validTo: e.target.value })}
          />
        </div>
        <FormError error={command.error} fields={['code', 'value']} />
        <div className="actions span">
          <button type="submit" disabled={command.busy || !form.code.trim() || !form.value}>
            {t('admin.billing.create')}
          </button>
        </div>
      </form>
    </section>
  );
}
