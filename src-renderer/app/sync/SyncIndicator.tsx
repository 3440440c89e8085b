/** Sync's state in the window's top bar: synced, syncing N changes, offline since HH:MM, or the error and "retry". */
import { useTranslation } from 'react-i18next';
import { errorText } from '../../i18n/errors';
import { useSyncStore } from './syncStore';
import { ERROR_CODES, type ErrorCode, type SyncStatus } from '../../../src-preload/contract';
import { timeLeft } from './downloadProgress';
import { uiLocale } from '../time';

const knownCode = (code: string | null): ErrorCode =>
  (ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'internal';

export function SyncIndicator() {
  const { t, i18n } = useTranslation('common');
  const status = useSyncStore((s) => s.status);
  if (!status || status.state === 'off') return null;
  if (status.download) return <DownloadProgress download={status.download} />;
  const time = (at: number | null) =>
    at === null ? '' : new Intl.DateTimeFormat(uiLocale(i18n.language), { timeStyle: 'short' }).format(new Date(at));
  const text = (() => {
    switch (status.state) {
      case 'synced':
        return t('sync.synced');
      case 'syncing':
        return t('sync.syncing', { count: status.pending });
      case 'offline':
        return t('sync.offline', { time: time(status.offlineSince), count: status.pending });
      case 'choice':
        return t('sync.choiceWaiting');
      case 'revoked':
        return t('sync.revoked');
      default:
        return t('sync.error', { reason: errorText(t, { code: knownCode(status.error), message: '' }) });
    }
  })();
  return (
    <span className={`sync-status ${status.state}`} role="status" data-testid="sync-status" data-state={status.state}>
      {text}
      {(status.state === 'error' || status.state === 'offline') && (
        <button type="button" className="link" data-testid="sync-retry" onClick={() => void window.clinic.sync.now()}>
          {t('sync.retry')}
        </button>
      )}
    </span>
  );
}

/** A new workstation's first download: records so far of the total, a bar, the time left. */
function DownloadProgress({ download }: { download: NonNullable<SyncStatus['download']> }) {
  const { t, i18n } = useTranslation('common');
  const number = new Intl.NumberFormat(uiLocale(i18n.language));
  const left = timeLeft(download.secondsLeft);
  return (
    <span className="sync-status syncing download" role="status" data-testid="sync-download">
      <span data-testid="sync-download-text">
        {download.total === null
          ? t('sync.download.starting')
          : t('sync.download.progress', {
              received: number.format(download.received),
              total: number.format(download.total),
            })}
        {left &&
          ` · ${left.minutes === 0 ? t('sync.download.lessThanMinute') : t('sync.download.minutesLeft', { n: left.minutes })}`}
      </span>
      <progress
        aria-label={t('sync.download.label')}
        max={download.total ?? undefined}
        value={download.total === null ? undefined : download.received}
        data-testid="sync-download-bar"
      />
      {download.agendaReady && (
        <span className="hint" data-testid="sync-download-ready">
          {t('sync.download.agendaReady')}
        </span>
      )}
    </span>
  );
}
