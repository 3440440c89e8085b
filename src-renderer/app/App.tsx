import { useTranslation } from 'react-i18next';
import { VIEWS, type View } from '../../src-preload/contract';
import { NavIcon } from '../components/NavIcon';
import { errorText } from '../i18n/errors';
import { AccountView } from './account/AccountView';
import { AdminView } from './admin/AdminView';
import { AgendaView } from './agenda/AgendaView';
import { CallCenter } from './calls/CallCenter';
import { CallLogView } from './calls/CallLogView';
import { CallsView } from './calls/CallsView';
import { useCallStore } from './calls/callStore';
import { ContactsView } from './contacts/ContactsView';
import { MessagesView } from './messages/MessagesView';
import { PatientsView } from './patients/PatientsView';
import { EmptyView } from './views/EmptyView';
import { SettingsView } from './views/SettingsView';
import { useAppStore } from './store';

function CurrentView({ view }: { view: View }) {
  switch (view) {
    case 'settings':
      return <SettingsView />;
    case 'agenda':
      return <AgendaView />;
    case 'patients':
      return <PatientsView />;
    case 'messages':
      return <MessagesView />;
    case 'account':
      return <AccountView />;
    case 'contacts':
      return <ContactsView />;
    case 'admin':
      return <AdminView />;
    case 'calls':
      return <CallsView />;
    case 'callLog':
      return <CallLogView />;
    default:
      return <EmptyView view={view} />;
  }
}

export function App() {
  const { t, i18n } = useTranslation('common');
  const view = useAppStore((s) => s.view);
  const setView = useAppStore((s) => s.setView);
  const fatal = useAppStore((s) => s.fatal);
  const role = useAppStore((s) => s.account?.profile?.role);
  const missed = useCallStore((s) => s.missedBadge);
  // The admin panel is listed for admins only (members are told so if they reach it anyway).
  const views = VIEWS.filter((name) => name !== 'admin' || (role !== undefined && role !== 'member'));
  const today = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'full' }).format(new Date());

  return (
    <div className="shell">
      <nav className="sidebar" aria-label={t('app.navLabel')}>
        <div className="brand">{t('app.title')}</div>
        <ul>
          {views.map((name) => (
            <li key={name}>
              <button
                type="button"
                className={name === view ? 'nav-item active' : 'nav-item'}
                aria-current={name === view ? 'page' : undefined}
                data-testid={`nav-${name}`}
                onClick={() => setView(name)}
              >
                <NavIcon view={name} />
                {t(`nav.${name}`)}
                {name === 'callLog' && missed > 0 && (
                  <span
                    className="badge"
                    data-testid="missed-badge"
                    aria-label={t('callLog.missedBadge', { count: missed })}
                  >
                    {missed}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        <header className="topbar">
          <h1 data-testid="view-title">{t(`nav.${view}`)}</h1>
          <span className="today">{t('app.today', { date: today })}</span>
        </header>
        {fatal && (
          <p className="banner error" role="alert">
            {errorText(t, fatal)}
          </p>
        )}
        <CallCenter />
        <CurrentView view={view} />
      </main>
    </div>
  );
}
