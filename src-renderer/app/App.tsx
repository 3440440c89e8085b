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
import { useCallState, useCallStore } from './calls/callStore';
import { ContactsView } from './contacts/ContactsView';
import { MessagesView } from './messages/MessagesView';
import { PatientsView } from './patients/PatientsView';
import { EmptyView } from './views/EmptyView';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { ErrorNotice } from '../components/ErrorNotice';
import { Toasts } from '../components/Toasts';
import { ScreenPicker } from '../calls/ScreenPicker';
import { SettingsView } from './views/SettingsView';
import { TodayView } from './today/TodayView';
import { useAppStore } from './store';
import { CreditsBanner } from './sync/CreditsBanner';
import { PaymentPrompt, PlanBadge, SubscriptionBanner } from './billing/SubscriptionNotices';
import { SyncChoiceDialog } from './sync/SyncChoiceDialog';
import { SyncIndicator } from './sync/SyncIndicator';
import { uiLocale } from './time';

function CurrentView({ view }: { view: View }) {
  switch (view) {
    case 'settings':
      return <SettingsView />;
    case 'agenda':
      return <AgendaView />;
    case 'today':
      return <TodayView />;
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

/**
 * Call-station mode (an unattended room device): an idle screen that says the device is ready; calls are
 * answered automatically and the screen returns here after each one. Settings stay reachable to leave it.
 */
function CallStationIdle() {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const connected = useCallState((s) => s.connected);
  return (
    <div className="empty call-station" data-testid="call-station-idle">
      <h2>{t('callStation.title')}</h2>
      <p>
        {account?.signedIn ? (connected ? t('callStation.ready') : t('calls.connecting')) : t('callStation.signIn')}
      </p>
    </div>
  );
}

export function App() {
  const { t, i18n } = useTranslation('common');
  const view = useAppStore((s) => s.view);
  const setView = useAppStore((s) => s.setView);
  const fatal = useAppStore((s) => s.fatal);
  const role = useAppStore((s) => s.account?.profile?.role);
  const missed = useCallStore((s) => s.missedBadge);
  const callStation = useAppStore((s) => s.settings?.callStation ?? false);
  // The admin panel is listed for admins only (members are told so if they reach it anyway).
  const views = VIEWS.filter((name) => name !== 'admin' || (role !== undefined && role !== 'member'));
  const today = new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'full' }).format(new Date());

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
          <PlanBadge />
          <SyncIndicator />
          <span className="today">{t('app.today', { date: today })}</span>
        </header>
        <SubscriptionBanner />
        <CreditsBanner />
        <PaymentPrompt />
        <SyncChoiceDialog />
        {fatal && (
          <p className="banner error" role="alert">
            {errorText(t, fatal)}
          </p>
        )}
        <ErrorNotice />
        <Toasts />
        <ScreenPicker />
        <CallCenter />
        <ErrorBoundary key={view}>
          {callStation && view !== 'settings' && view !== 'account' ? <CallStationIdle /> : <CurrentView view={view} />}
        </ErrorBoundary>
      </main>
    </div>
  );
}
