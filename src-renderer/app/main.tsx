import { StrictMode } from 'react';
import { chooseSubscription } from './billing/SubscriptionNotices';
import { useSubscriptionStore } from './billing/subscriptionStore';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { reportError } from '../components/ErrorBoundary';
import { createI18n } from '../i18n/i18n';
import { App } from './App';
import { useAppStore } from './store';
import { useCallStore } from './calls/callStore';
import { CREDIT_TABLES, SETUP_TABLES, useSyncStore } from './sync/syncStore';
import '../styles.css';

/**
 * A clinicdesk:// link from the OS: the hosted checkout sends the browser back with
 * clinicdesk://billing?payment=… (the subscription is read again and shown); anything else is a
 * registration link for the wizard.
 */
function takeLink(link: string): void {
  if (/^clinicdesk:\/\/billing(?:[/?]|$)/i.test(link.trim())) {
    void useSubscriptionStore.getState().load();
    chooseSubscription();
    return;
  }
  useAppStore.getState().setView('account');
  useAppStore.getState().setRegistrationLink(link);
}

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  const result = await window.clinic.settings.get();
  const store = useAppStore.getState();
  const i18n = await createI18n(result.ok ? result.value.language : 'en', 'common');
  if (result.ok) store.setSettings(result.value);
  else store.setFatal(result.error);
  await store.loadPracticeData();

  // Other windows, the tray, or the main process may change settings: follow them.
  window.clinic.on('settings.changed', (settings) => {
    useAppStore.getState().setSettings(settings);
    if (i18n.language !== settings.language) void i18n.changeLanguage(settings.language);
  });
  window.clinic.on('app.navigate', ({ view }) => useAppStore.getState().setView(view));
  window.clinic.on('data.changed', ({ tables }) => {
    // Sync brought the set-up (another workstation changed a practitioner, a tenant's credits): reload it.
    if (tables.some((table) => SETUP_TABLES.includes(table))) void useAppStore.getState().loadPracticeData();
    if (tables.some((table) => CREDIT_TABLES.includes(table))) void useSyncStore.getState().loadCredits();
    // The user's other workstations recorded calls (or saw missed ones): the badge follows.
    if (tables.includes('call_log'))
      void window.clinic.callLog.missed().then((r) => r.ok && useCallStore.getState().set({ missedBadge: r.value }));
    useAppStore.getState().touch();
  });
  window.clinic.on('account.changed', () => {
    void useAppStore.getState().loadAccount();
    void useSyncStore.getState().loadCredits();
  });
  window.clinic.on('sync.status', (status) => useSyncStore.getState().setStatus(status));
  void useSyncStore.getState().loadStatus();
  void useSyncStore.getState().loadCredits();
  window.clinic.on('account.registrationLink', ({ link }) => takeLink(link));
  window.clinic.on('app.coreRestarted', ({ restarting }) =>
    useAppStore.getState().showNotice({
      code: restarting ? 'core_restarted' : 'core_unavailable',
      message: 'The core worker stopped',
    }),
  );
  // Subscribed: now the link the app was started with (clinicdesk://register?token=…) can be taken.
  void window.clinic.launch.pendingLink().then((result) => {
    if (!result.ok || !result.value.link) return;
    takeLink(result.value.link);
  });
  // Whatever escapes a handler goes to the log file support can ask for.
  window.addEventListener('unhandledrejection', (event) => reportError(event.reason, 'unhandledrejection'));
  window.addEventListener('error', (event) => reportError(event.error ?? event.message, 'error'));
  // The first screen: without a session (a new device, or after signing out) the app opens on the account
  // view — sign in, sign up, or a registration link. With one, on the agenda.
  const openedWithoutView = !window.location.hash;
  void store.loadAccount().then(() => {
    const account = useAppStore.getState().account;
    if (openedWithoutView && account && !account.signedIn) useAppStore.getState().setView('account');
  });

  root.render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <App />
      </I18nextProvider>
    </StrictMode>,
  );
}

void boot();
