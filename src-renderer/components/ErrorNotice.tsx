/** The app-wide notice for failures that belong to no form: a view that could not load, a refused drag. */
import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n/errors';
import { useAppStore } from '../app/store';

export function ErrorNotice() {
  const { t } = useTranslation('common');
  const notice = useAppStore((s) => s.notice);
  const dismiss = useAppStore((s) => s.dismissNotice);
  if (!notice) return null;
  return (
    <div className="banner error" role="alert" data-testid="error-notice" data-code={notice.code}>
      {errorText(t, notice)}{' '}
      <button type="button" className="link" onClick={dismiss}>
        {t('errors.dismiss')}
      </button>
    </div>
  );
}
