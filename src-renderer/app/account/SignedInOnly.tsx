import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { View } from '../../../src-preload/contract';
import { useAppStore } from '../store';

/** Views that need the server: without a session they explain that and lead to the sign-in. */
export function SignedInOnly({ view, children }: { view: View; children: ReactNode }) {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const setView = useAppStore((s) => s.setView);
  if (account?.signedIn && account.profile?.registered && account.profile.licence) return <>{children}</>;
  return (
    <div className="empty" data-testid={`view-${view}`}>
      <h2>{t('account.needed.title')}</h2>
      <p>{t('account.needed.text')}</p>
      <button type="button" onClick={() => setView('account')} data-testid="go-sign-in">
        {t('account.needed.action')}
      </button>
    </div>
  );
}
