import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppStore } from '../store';
import { ProfilePanel } from './ProfilePanel';
import { RegistrationWizard } from './RegistrationWizard';
import { LinkForm, SignIn, SignUp } from './SignIn';
import { Tabs } from '../../components/Tabs';

const START_TABS = ['signIn', 'signUp', 'link'] as const;
type Tab = (typeof START_TABS)[number];

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
      <Tabs
        tabs={START_TABS}
        selected={tab}
        onSelect={setTab}
        label={(name) => t(`account.tab.${name}`)}
        testPrefix="account-tab"
      />
      {tab === 'signIn' && <SignIn />}
      {tab === 'signUp' && <SignUp />}
      {tab === 'link' && <LinkForm onOpen={onLink} />}
    </div>
  );
}
