import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CALL_DIRECTIONS, CALL_KINDS, CALL_STATUSES } from '../../../src-preload/contract';
import { useQuery } from '../../components/useQuery';
import { useCallState, useCallStore } from './callStore';
import { uiLocale } from '../time';

/** Every call made or received on this device, with filters; opening it clears the missed-calls badge. */
export function CallLogView() {
  const { t, i18n } = useTranslation('common');
  const [direction, setDirection] = useState('');
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const current = useCallState((s) => s.current);
  const [entries] = useQuery(
    () =>
      window.clinic.callLog.list({
        ...(direction ? { direction: direction as (typeof CALL_DIRECTIONS)[number] } : {}),
        ...(kind ? { kind: kind as (typeof CALL_KINDS)[number] } : {}),
        ...(status ? { status: status as (typeof CALL_STATUSES)[number] } : {}),
      }),
    [direction, kind, status, current?.callId],
  );
  useEffect(() => {
    void window.clinic.callLog.markSeen().then(() => useCallStore.getState().set({ missedBadge: 0 }));
  }, []);
  const when = (at: number) =>
    new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium', timeStyle: 'short' }).format(at);
  const duration = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  const filter = (
    label: string,
    value: string,
    set: (v: string) => void,
    options: readonly string[],
    prefix: string,
  ) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(e.target.value)} data-testid={`log-filter-${prefix}`}>
        <option value="">{t('callLog.all')}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {t(`callLog.${prefix}.${o}`)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="settings" data-testid="view-callLog">
      <div className="toolbar">
        {filter(t('callLog.direction.label'), direction, setDirection, CALL_DIRECTIONS, 'direction')}
        {filter(t('callLog.kind.label'), kind, setKind, CALL_KINDS, 'kind')}
        {filter(t('callLog.status.label'), status, setStatus, CALL_STATUSES, 'status')}
      </div>
      {entries?.length === 0 ? (
        <div className="empty">
          <h2>{t('empty.callLog.title')}</h2>
          <p>{t('empty.callLog.body')}</p>
        </div>
      ) : (
        <table className="table" data-testid="call-log">
          <thead>
            <tr>
              <th>{t('callLog.when')}</th>
              <th>{t('callLog.direction.label')}</th>
              <th>{t('callLog.name')}</th>
              <th>{t('callLog.kind.label')}</th>
              <th>{t('callLog.status.label')}</th>
              <th>{t('callLog.duration')}</th>
            </tr>
          </thead>
          <tbody>
            {entries?.map((entry) => (
              <tr key={entry.id} data-testid="call-log-row" data-duration={entry.durationS} data-status={entry.status}>
                <td>{when(entry.startedAt)}</td>
                <td>{t(`callLog.direction.${entry.direction}`)}</td>
                <td>{entry.peerName}</td>
                <td>{t(`callLog.kind.${entry.kind}`)}</td>
                <td className={entry.status === 'missed' ? 'field-error' : ''}>
                  {t(`callLog.status.${entry.status}`)}
                </td>
                <td>{duration(entry.durationS)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
