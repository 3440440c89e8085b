/**
 * The first sync's question, asked once on a device that has its own patients or appointments: upload them
 * to the (empty) account, or replace them with the account's practice — after an export of the local data,
 * which the warning says. "Later" keeps the device working on its own until the next sign-in or start.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { useSyncStore } from './syncStore';

export function SyncChoiceDialog() {
  const { t } = useTranslation('common');
  const status = useSyncStore((s) => s.status);
  const [busy, setBusy] = useState(false);
  if (status?.state !== 'choice' || !status.choice) return null;
  const choose = async (choice: 'upload' | 'replace' | 'later') => {
    setBusy(true);
    const result = await window.clinic.sync.choose({ choice });
    setBusy(false);
    if (result.ok) useSyncStore.getState().setStatus(result.value);
  };
  const replace = status.choice === 'replace';
  return (
    <Dialog title={t('sync.choiceTitle')} onClose={() => void choose('later')} testId="sync-choice">
      <p>{t(replace ? 'sync.choiceReplaceText' : 'sync.choiceUploadText')}</p>
      {replace && (
        <p className="banner error" role="alert">
          {t('sync.choiceReplaceWarning')}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className={replace ? 'danger' : 'primary'}
          disabled={busy}
          data-testid={replace ? 'sync-replace' : 'sync-upload'}
          onClick={() => void choose(replace ? 'replace' : 'upload')}
        >
          {t(replace ? 'sync.replace' : 'sync.upload')}
        </button>
        <button type="button" disabled={busy} data-testid="sync-later" onClick={() => void choose('later')}>
          {t('sync.later')}
        </button>
      </div>
    </Dialog>
  );
}
