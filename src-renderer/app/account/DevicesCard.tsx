/**
 * The workstations that sync the practice: name, whose, last sync, and "revoke" (asked first) for one's own
 * and, for an admin, everyone's. A revoked workstation stops syncing at once and is signed out.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError, useCommand } from '../../components/forms';
import { InlineConfirm } from '../../components/InlineConfirm';
import { useQuery } from '../../components/useQuery';
import { useAppStore } from '../store';
import { uiLocale } from '../time';

export function DevicesCard() {
  const { t, i18n } = useTranslation('common');
  const role = useAppStore((s) => s.account?.profile?.role);
  const [devices, reload] = useQuery(() => window.clinic.devices.list(), []);
  const [asking, setAsking] = useState<string | null>(null);
  const { error, busy, run } = useCommand();
  if (!devices) return null;
  const when = (at: number | null) =>
    at === null
      ? t('devices.never')
      : new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium', timeStyle: 'short' }).format(at);
  return (
    <section className="card" data-testid="devices-card">
      <h2>{t('devices.title')}</h2>
      {devices.length === 0 && <p className="hint">{t('devices.none')}</p>}
      <ul className="plain">
        {devices.map((device) => (
          <li key={device.id} data-testid={`device-${device.id}`} data-revoked={device.revokedAt !== null}>
            <strong>{device.name || t('devices.unnamed')}</strong> · {device.accountName} ·{' '}
            {device.revokedAt !== null
              ? t('devices.revokedAt', { time: when(device.revokedAt) })
              : t('devices.lastSync', { time: when(device.lastSyncAt) })}
            {device.revokedAt === null &&
              (device.own || role === 'org_admin') &&
              (asking === device.id ? (
                <InlineConfirm
                  question={t('devices.revokeQuestion', { name: device.name })}
                  keepLabel={t('common.cancel')}
                  confirmLabel={t('devices.revoke')}
                  onKeep={() => setAsking(null)}
                  onConfirm={async () => {
                    if (await run(window.clinic.devices.revoke({ id: device.id }))) {
                      setAsking(null);
                      reload();
                    }
                  }}
                  busy={busy}
                  testId="revoke-confirm"
                />
              ) : (
                <button
                  type="button"
                  className="link"
                  data-testid={`revoke-${device.id}`}
                  onClick={() => setAsking(device.id)}
                >
                  {t('devices.revoke')}
                </button>
              ))}
          </li>
        ))}
      </ul>
      <FormError error={error} fields={[]} />
    </section>
  );
}
