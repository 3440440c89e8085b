/** Sync's state in the window's top bar: synced, syncing N changes, offline since HH:MM, or the error and "retry". */
import { useTranslation } from 'react-i18next';
import { errorText } from '../../i18n/errors';
import { useSyncStore } from './syncStore';
import { ERROR_CODES, type ErrorCode } from '../../../src-preload/contract';
import { uiLocale } from '../time';

const knownCode = (code: string | null): ErrorCode =>
  (ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'internal';

export function SyncIndicator() {
  const { t, i18n } = useTranslation('common');
  const status = useSyncStore((s) => s.status);
  if (!status || status.state === 'off') return null;
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
