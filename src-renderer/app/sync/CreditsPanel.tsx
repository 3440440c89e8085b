/**
 * SMS credits in Settings: each tenant's balance, and the order window with the packs and prices the
 * server offers in the practice's currency. An order carries a key made when the window opened, so a
 * double click or a retry books one order.
 */
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError } from '../../../src-preload/contract';
import { FormError } from '../../components/forms';
import { useAppStore } from '../store';
import { useSyncStore } from './syncStore';
import { uiLocale } from '../time';

const newKey = () => crypto.randomUUID().replace(/-/g, '');

export function CreditsPanel() {
  const { t, i18n } = useTranslation('common');
  const signedIn = useAppStore((s) => s.account?.signedIn ?? false);
  const tenants = useAppStore((s) => s.data?.tenants ?? []);
  const credits = useSyncStore((s) => s.credits);
  const [tenantId, setTenantId] = useState<string>('');
  const [pack, setPack] = useState<string>('');
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  const [ordered, setOrdered] = useState<{ credits: number; balance: number } | null>(null);
  const tenantField = useId();

  useEffect(() => {
    if (signedIn) void useSyncStore.getState().loadCredits();
  }, [signedIn]);

  if (!signedIn) return null;
  const balanceOf = (id: string) => credits?.tenants.find((x) => x.tenantId === id)?.balance ?? 0;
  const money = (minor: number, currency: string) =>
    new Intl.NumberFormat(uiLocale(i18n.language), { style: 'currency', currency }).format(minor / 100);
  const chosenTenant = tenantId || tenants[0]?.id || '';
  const chosenPack = credits?.packs.find((p) => p.id === pack) ?? null;

  const order = async () => {
    if (!chosenPack || !chosenTenant) return;
    setBusy(true);
    setError(null);
    const result = await window.clinic.credits.order({
      tenantId: chosenTenant,
      pack: chosenPack.id,
      idempotencyKey: key,
    });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setOrdered({ credits: chosenPack.credits, balance: result.value.balance });
    setKey(newKey());
    setPack('');
    await useSyncStore.getState().loadCredits();
  };

  return (
    <section className="card" data-testid="credits">
      <h2>{t('credits.title')}</h2>
      <table className="list">
        <thead>
          <tr>
            <th>{t('credits.tenant')}</th>
            <th>{t('credits.balance')}</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((tenant) => (
            <tr key={tenant.id} data-testid={`credits-${tenant.id}`}>
              <td>{tenant.name}</td>
              <td className="number">{credits ? balanceOf(tenant.id) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {credits && credits.packs.length > 0 && (
        <fieldset className="packs">
          <legend>{t('credits.order')}</legend>
          {tenants.length > 1 && (
            <div className="field">
              <label htmlFor={tenantField}>{t('credits.forTenant')}</label>
              <select id={tenantField} value={chosenTenant} onChange={(e) => setTenantId(e.target.value)}>
                {tenants.map((tenant) => (
                  <option key={tenant.id} value={tenant.id}>
                    {tenant.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {credits.packs.map((p) => (
            <label key={p.id} className="row">
              <input
                type="radio"
                name="pack"
                value={p.id}
                data-testid={`pack-${p.id}`}
                checked={pack === p.id}
                onChange={() => setPack(p.id)}
              />
              {t('credits.pack', { count: p.credits, price: money(p.priceMinor, p.currency) })}
            </label>
          ))}
          <p className="hint">{t('credits.invoiced')}</p>
          <FormError error={error} fields={[]} />
          <button
            type="button"
            className="primary"
            data-testid="credits-order"
            disabled={!chosenPack || busy}
            onClick={() => void order()}
          >
            {chosenPack
              ? t('credits.orderPack', {
                  count: chosenPack.credits,
                  price: money(chosenPack.priceMinor, chosenPack.currency),
                })
              : t('credits.choosePack')}
          </button>
          {ordered && (
            <p className="banner ok" role="status" data-testid="credits-ordered">
              {t('credits.ordered', { count: ordered.credits, balance: ordered.balance })}
            </p>
          )}
        </fieldset>
      )}
    </section>
  );
}
