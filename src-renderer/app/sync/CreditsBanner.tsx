/** Messages held for want of credits: a banner over every view, with the way to buy some. */
import { useTranslation } from 'react-i18next';
import { useAppStore } from '../store';
import { useSyncStore } from './syncStore';

export function CreditsBanner() {
  const { t } = useTranslation('common');
  const held = useSyncStore((s) => s.credits?.held ?? 0);
  if (held === 0) return null;
  return (
    <p className="banner error" role="alert" data-testid="credits-held">
      {t('credits.held', { count: held })}{' '}
      <button type="button" className="link" onClick={() => useAppStore.getState().setView('settings')}>
        {t('credits.buy')}
      </button>
    </p>
  );
}
