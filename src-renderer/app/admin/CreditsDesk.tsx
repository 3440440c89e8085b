/**
 * Credits in the admin panel. An organisation's admin sees the practice's balances per tenant (and buys
 * in Settings); the service desk looks up any practice by its id and moves credits between tenants, which
 * both ledgers record.
 */
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreditBalances } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { useAppStore } from '../store';

const newKey = () => crypto.randomUUID().replace(/-/g, '');

function Balances({ tenants }: { tenants: CreditBalances['tenants'] }) {
  const { t } = useTranslation('common');
  return (
    <table className="list" data-testid="desk-balances">
      <thead>
        <tr>
          <th>{t('credits.tenant')}</th>
          <th>{t('credits.balance')}</th>
        </tr>
      </thead>
      <tbody>
        {tenants.map((tenant) => (
          <tr key={tenant.tenantId} data-testid={`desk-tenant-${tenant.tenantId}`}>
            <td>
              {tenant.name} <span className="hint">{tenant.tenantId}</span>
            </td>
            <td className="number">{tenant.balance}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CreditsDesk() {
  const role = useAppStore((s) => s.account?.profile?.role);
  return role === 'service_admin' ? <ServiceDesk /> : <PracticeCredits />;
}

function PracticeCredits() {
  const { t } = useTranslation('common');
  const [credits] = useQuery(() => window.clinic.credits.balances(), []);
  return (
    <section className="card" data-testid="admin-credits">
      <h2>{t('credits.title')}</h2>
      {credits && <Balances tenants={credits.tenants} />}
      {credits && credits.held > 0 && <p className="banner error">{t('credits.held', { count: credits.held })}</p>}
    </section>
  );
}

function ServiceDesk() {
  const { t } = useTranslation('common');
  const [practice, setPractice] = useState('');
  const [tenants, setTenants] = useState<CreditBalances['tenants'] | null>(null);
  const [from, setFrom] = useState('');
  const [toPractice, setToPractice] = useState('');
  const [toTenant, setToTenant] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [key, setKey] = useState(newKey);
  const [moved, setMoved] = useState<{ from: number; to: number } | null>(null);
  const lookup = useCommand();
  const transfer = useCommand();
  const ids = {
    practice: useId(),
    from: useId(),
    toPractice: useId(),
    toTenant: useId(),
    amount: useId(),
    note: useId(),
  };

  const find = async (event: FormEvent) => {
    event.preventDefault();
    const found = await lookup.run(window.clinic.admin.creditBalances({ practice: practice.trim() }));
    setTenants(found);
    setFrom(found?.[0]?.tenantId ?? '');
    setMoved(null);
  };
  const move = async (event: FormEvent) => {
    event.preventDefault();
    const result = await transfer.run(
      window.clinic.admin.transferCredits({
        from: { practice: practice.trim(), tenantId: from },
        to: { practice: (toPractice || practice).trim(), tenantId: toTenant.trim() },
        amount: Number(amount),
        note,
        idempotencyKey: key,
      }),
    );
    if (result) {
      setMoved(result);
      setKey(newKey());
      setAmount('');
      setTenants(await lookup.run(window.clinic.admin.creditBalances({ practice: practice.trim() })));
    }
  };

  return (
    <section className="card" data-testid="admin-credits">
      <h2>{t('credits.title')}</h2>
      <form className="row" onSubmit={find} noValidate>
        <label htmlFor={ids.practice}>{t('credits.desk.practice')}</label>
        <input
          id={ids.practice}
          value={practice}
          placeholder="org:… / acct:…"
          data-testid="desk-practice"
          onChange={(e) => setPractice(e.target.value)}
        />
        <button type="submit" disabled={lookup.busy} data-testid="desk-find">
          {t('credits.desk.find')}
        </button>
      </form>
      <FormError error={lookup.error} fields={[]} />
      {tenants && <Balances tenants={tenants} />}
      {tenants && tenants.length > 0 && (
        <form className="form-grid" onSubmit={move} noValidate data-testid="desk-transfer">
          <h3>{t('credits.desk.transfer')}</h3>
          <label htmlFor={ids.from}>{t('credits.desk.from')}</label>
          <select id={ids.from} value={from} onChange={(e) => setFrom(e.target.value)} data-testid="desk-from">
            {tenants.map((tenant) => (
              <option key={tenant.tenantId} value={tenant.tenantId}>
                {tenant.name} ({tenant.balance})
              </option>
            ))}
          </select>
          <label htmlFor={ids.toPractice}>{t('credits.desk.toPractice')}</label>
          <input
            id={ids.toPractice}
            value={toPractice}
            placeholder={practice}
            data-testid="desk-to-practice"
            onChange={(e) => setToPractice(e.target.value)}
          />
          <label htmlFor={ids.toTenant}>{t('credits.desk.toTenant')}</label>
          <input
            id={ids.toTenant}
            value={toTenant}
            data-testid="desk-to-tenant"
            onChange={(e) => setToTenant(e.target.value)}
          />
          <label htmlFor={ids.amount}>{t('credits.balance')}</label>
          <input
            id={ids.amount}
            inputMode="numeric"
            value={amount}
            data-testid="desk-amount"
            onChange={(e) => setAmount(e.target.value)}
          />
          <FieldError error={transfer.error} field="amount" />
          <label htmlFor={ids.note}>{t('credits.desk.note')}</label>
          <input id={ids.note} value={note} data-testid="desk-note" onChange={(e) => setNote(e.target.value)} />
          <FormError error={transfer.error} fields={['amount']} />
          <div className="actions">
            <button type="submit" className="primary" disabled={transfer.busy} data-testid="desk-move">
              {t('credits.desk.move')}
            </button>
          </div>
          {moved && (
            <p className="banner ok" role="status" data-testid="desk-moved">
              {t('credits.desk.moved', { from: moved.from, to: moved.to })}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
