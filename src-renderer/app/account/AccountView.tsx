import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppStore } from '../store';
import { ProfilePanel } from './ProfilePanel';
import { RegistrationWizard } from './RegistrationWizard';
import { LinkForm, SignIn, SignUp } from './SignIn';

type Tab = 'signIn' | 'signUp' | 'link';

/**
 * The first screen of a device without a session (sign in, sign up, registration link), the wizard when a
 * link arrives or a registration is unfinished, and the profile once signed in.
 */
export function AccountView() {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const link = useAppStore((s) => s.registrationLink);
  const setLink = useAppStore((s) => s.setRegistrationLink);
  const [wizardClosed, setWizardClosed] = useState(false);

  if (!account) return <p className="hint">{t('common.loading')}</p>;

  if (link) return <RegistrationWizard key={link} link={link} onClose={() => setLink(null)} />;
  if (account.signedIn && account.profile && !account.profile.registered && !wizardClosed)
    return <RegistrationWizard link={null} onClose={() => setWizardClosed(true)} />;
  if (account.signedIn) return <ProfilePanel />;
  return <Start onLink={setLink} />;
}

/** Signed out: sign in (first, also after signing out), sign up, or open a registration link. */
function Start({ onLink }: { onLink: (link: string) => void }) {
  const { t } = useTranslation('common');
  const [tab, setTab] = useState<Tab>('signIn');
  return (
    <div className="account-start" data-testid="view-account">
      <p className="lead">{t('account.welcome')}</p>
      <div className="tabs" role="tablist">
        {(['signIn', 'signUp', 'link'] as const).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => setTab(name)}
            data-testid={`account-tab-${name}`}
          >
            {t(`account.tab.${name}`)}
          </button>
        ))}
      </div>
      {tab === 'signIn' && <SignIn />}
      {tab === 'signUp' && <SignUp />}
      {tab === 'link' && <LinkForm onOpen={onLink} />}
    </div>
  );
}
