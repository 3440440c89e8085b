/**
 * Electron entry. Wires the plain-Node core to the window, the tray, notifications, safeStorage and IPC —
 * and does nothing else.
 */
import { app, dialog, ipcMain, Menu, net, session, shell, systemPreferences, type BrowserWindow } from 'electron';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AccountSession } from '../core/account/accountSession';
import { linkFromArgv } from '../core/account/registrationLink';
import { secretTokenStore } from '../core/account/tokenStore';
import type { EventName, EventPayload, Settings } from '../../src-preload/contract';
import { desktopConfig, logPath, secretsPath } from '../core/config';
import { AppError } from '../core/errors';
import { createDispatcher } from '../core/ipc/dispatcher';
import { languageFromLocales } from '../core/i18n/locale';
import { shellStrings } from '../core/i18n/shellStrings';
import { SecretStore } from '../core/secrets/secretStore';
import { buildCsp, isOpenableExternal, isPaymentPage, isTrustedSender } from '../core/security/policy';
import { handleAppProtocol, registerAppScheme } from './appProtocol';
import { registerIpc, sendEvent } from './ipc';
import { safeStorageEncryptor } from './safeStorageEncryptor';
import { hardenWebContents, installPermissionHandlers, macMediaAccess } from './security';
import { startCoreWorker, type WorkerCore } from '../core/worker/workerCore';
import { NotificationCenter } from './notifications';
import { installDisplayMediaHandler } from './displayMedia';
import { ScreenChooser } from '../core/screen/screenChooser';
import { saveDayListCommand } from '../core/print/dayListCommand';
import { callStationCommand } from '../core/settings/callStationCommand';
import { applyLaunchLocale, launchLocalePath, writeLaunchLanguage } from './launchLocale';
import { RotatingLog } from '../core/logging/rotatingLog';
import { TrayController } from './tray';
import { autoUpdater } from 'electron-updater';
import { scheduleUpdates } from './updates';
import { hideToTray, identifyApp, registerLinkScheme, reopenOnActivate } from './appLifecycle';
import { SyncDriver, workerLocal } from '../core/sync/syncDriver';
import {
  APP_ENTRY,
  appMenuTemplate,
  applyCallStation,
  bringForward,
  createMainWindow,
  recoverRenderer,
} from './window';

// Before anything else: Windows attributes notifications and the Start-menu entry by this id.
identifyApp(app, process.platform);
registerAppScheme();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

let mainWindow: BrowserWindow | undefined;
let core: WorkerCore | undefined;
/** The main thread's copy of the settings (the worker owns them); kept current by settings.changed. */
let settings: Settings | undefined;
let tray: TrayController | undefined;
let syncDriver: SyncDriver | undefined;
let quitting = false;
/** A clinicdesk:// link that arrived before the page could take it (a cold start, macOS open-url). */
let pendingLink: string | null = linkFromArgv(process.argv);
/**
 * Whether the page has subscribed to events: it asks for the pending link (`launch.pendingLink`) once it
 * is ready. Pushing at `did-finish-load` lost the link: `isLoading()` is still true there, and the page
 * subscribes only after its first awaited calls. Reset when the page loads again.
 */
let pageReady = false;

/** Hands a registration link to the wizard: now, or when the page asks for it. */
const openLink = (link: string): void => {
  if (!mainWindow || !pageReady) {
    pendingLink = link;
    return;
  }
  showWindow();
  sendEvent(mainWindow.webContents, 'app.navigate', { view: 'account' });
  sendEvent(mainWindow.webContents, 'account.registrationLink', { link });
};

/** Before `ready`: Chromium starts in the app's language (its date fields follow it). */
const config = desktopConfig(process.argv, process.env, app.getPath('userData'));
const launchLocaleFile = launchLocalePath(config.dataDir);
applyLaunchLocale(app, launchLocaleFile);

/** The practice's country, for the shell's regional spelling and times (read again when the practice changes). */
let practiceCountry: string | null = null;
let readPracticeCountry: (() => void) | null = null;

const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
  sendEvent(mainWindow?.webContents, event, payload);
  if (event === 'data.changed' && (payload as EventPayload<'data.changed'>).tables.includes('practice'))
    readPracticeCountry?.();
  // The user's other devices' calls arrived (or were seen there): the tray's missed count follows.
  if (event === 'data.changed' && (payload as EventPayload<'data.changed'>).tables.includes('call_log'))
    void core?.call('callLog.missed', undefined).then((count) => tray?.setMissed(count as number));
  if (event === 'account.changed') syncDriver?.accountChanged((payload as EventPayload<'account.changed'>).signedIn);
  if (event === 'sync.status') tray?.setSync(payload as EventPayload<'sync.status'>);
  if (event === 'settings.changed') {
    const previous = settings;
    settings = payload as EventPayload<'settings.changed'>;
    // Chromium's date fields take the language at the next start (see launchLocale).
    if (previous?.language !== settings.language) {
      try {
        writeLaunchLanguage(launchLocaleFile, settings.language);
      } catch (error) {
        console.warn('clinicdesk: could not keep the language for the next start', error);
      }
    }
    tray?.update({ ...settings, country: practiceCountry });
    if (mainWindow && applyCallStation(mainWindow, settings.callStation).unsupported)
      console.warn(
        'clinicdesk: this desktop (Wayland) does not keep windows on top; call-station mode shows the window only',
      );
    // The page's CSP names the server it may connect to: a new server needs the page loaded again (the
    // app:// handler sends the CSP for the new one). The settings view is where the user comes back.
    if (previous && previous.serverUrl !== settings.serverUrl && mainWindow && !mainWindow.isDestroyed()) {
      void mainWindow.loadURL(`${APP_ENTRY}#/settings`);
    }
  }
};

const showWindow = (): void => {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
};

async function start(): Promise<void> {
  // The main process's own log (the worker writes the app's): crashes of the worker, unhandled errors here.
  const mainLog = new RotatingLog(logPath(config.dataDir, 'main'));
  process.on('unhandledRejection', (reason) => mainLog.error('main:unhandledRejection', reason));
  process.on('uncaughtExceptionMonitor', (error) => mainLog.error('main:uncaughtException', error));
  /** Set once the window and notifications exist; before that a crash fails the start instead. */
  let tellCoreCrash: (restarting: boolean) => void = () => {};
  const appDir = app.getAppPath();
  const osLocales = app.getPreferredSystemLanguages();

  try {
    core = await startCoreWorker(
      join(appDir, 'dist', 'main', 'coreWorker.cjs'),
      {
        dataDir: config.dataDir,
        appVersion: app.getVersion(),
        osLocales,
        defaultServerUrl: config.serverUrl,
        runScheduler: true,
      },
      {
        emit,
        onLocalChange: () => void syncDriver?.kick(),
        openExternal: (url) => (isOpenableExternal(url) ? shell.openExternal(url) : undefined),
        onCrash: (info) => {
          mainLog.write({
            level: 'error',
            source: 'main',
            message: `core worker stopped (exit code ${info.exitCode}); ${info.restarting ? 'restarting' : 'given up'}`,
            ...(info.error?.stack ? { stack: info.error.stack } : {}),
          });
          tellCoreCrash(info.restarting);
        },
      },
    );
    settings = (await core.call('settings.get', undefined)) as Settings;
  } catch (error) {
    const t = shellStrings(languageFromLocales(osLocales));
    const tooNew = error instanceof AppError && error.code === 'db_too_new';
    dialog.showErrorBox(
      tooNew ? t('dbTooNewTitle') : t('startFailedTitle'),
      tooNew ? t('dbTooNewBody') : String(error),
    );
    app.exit(1);
    return;
  }
  const running = core;
  const current = (): Settings => settings!;
  const texts = () => shellStrings(current().language, practiceCountry);
  const trayState = () => ({ ...current(), country: practiceCountry });
  readPracticeCountry = () =>
    void Promise.resolve(running.handlers.practice.get(undefined))
      .then((practice) => {
        practiceCountry = practice.country;
        tray?.update(trayState());
      })
      .catch(() => undefined);
  readPracticeCountry();

  // The server session lives here, beside the worker: its refresh token is kept by safeStorage, never in
  // plain text (and not at all where the OS has no keychain).
  const secrets = new SecretStore(secretsPath(config.dataDir), safeStorageEncryptor);
  if (!secrets.canPersist()) console.warn(texts()('secretsUnavailable'));
  const notifications = new NotificationCenter((view) => {
    showWindow();
    if (mainWindow) sendEvent(mainWindow.webContents, 'app.navigate', { view });
  });
  /** A PDF the user saves where they choose (the service PIN, an invoice, the day list). */
  const saveFile = async (name: string, bytes: Uint8Array): Promise<boolean> => {
    const choice = await dialog.showSaveDialog(mainWindow!, {
      defaultPath: join(app.getPath('documents'), name),
      filters: [{ name: 'PDF', extensions: ['pdf'] }],
    });
    if (choice.canceled || !choice.filePath) return false;
    await writeFile(choice.filePath, bytes);
    return true;
  };
  const account = new AccountSession({
    serverUrl: () => current().serverUrl,
    fetch: (url, init) => net.fetch(url, init),
    language: () => current().language,
    country: () => practiceCountry,
    tokens: secretTokenStore(secrets),
    emit,
    openPaymentPage: (url) => (isPaymentPage(url) ? void shell.openExternal(url) : undefined),
    saveFile,
    notify: (kind, name) => {
      const t = texts();
      const [title, body] =
        kind === 'incoming'
          ? (['notifyIncoming', 'notifyIncomingBody'] as const)
          : kind === 'knock'
            ? (['notifyKnock', 'notifyKnockBody'] as const)
            : (['notifyMissed', 'notifyMissedBody'] as const);
      // The renderer plays the ringtone (and knows whether it is muted): the notification stays silent.
      notifications.show({
        title: t(title),
        body: t(body, { name }),
        view: kind === 'missed' ? 'callLog' : 'calls',
        silent: true,
        urgent: kind !== 'missed',
      });
      if (kind !== 'missed' && mainWindow) bringForward(mainWindow, process.platform, app);
      else void running.call('callLog.missed', undefined).then((count) => tray?.setMissed(count as number));
    },
  });

  // Sync runs here, beside the session that holds the token; each step is done by the core in its worker.
  syncDriver = new SyncDriver({
    local: workerLocal((channel, input, transfer) => running.call(channel, input, transfer)),
    remote: account.syncTransport(),
    callLog: account.callLogTransport(),
    signedIn: () => account.signedIn(),
    onRevoked: () => account.signOutHere(),
    onHeld: (count) => {
      const t = texts();
      notifications.show({ title: t('creditsHeldTitle'), body: t('creditsHeldBody', { count }), view: 'settings' });
    },
    emit,
  });
  const sync = syncDriver;

  tellCoreCrash = (restarting) => {
    const t = texts();
    emit('app.coreRestarted', { restarting });
    notifications.show({
      title: t(restarting ? 'coreRestartedTitle' : 'coreUnavailableTitle'),
      body: t(restarting ? 'coreRestartedBody' : 'coreUnavailableBody'),
      view: 'agenda',
    });
  };

  const menu = appMenuTemplate(process.platform);
  Menu.setApplicationMenu(menu ? Menu.buildFromTemplate(menu) : null);
  installPermissionHandlers(session.defaultSession, macMediaAccess(process.platform, systemPreferences));
  // Screen sharing: the app's own picker answers Electron's display-media request.
  const screens = new ScreenChooser((payload) => {
    if (mainWindow) sendEvent(mainWindow.webContents, 'screen.choose', payload);
    else screens.cancelAll();
  });
  installDisplayMediaHandler(session.defaultSession, screens);
  handleAppProtocol(join(appDir, 'dist', 'renderer'), () => buildCsp(current().serverUrl));
  const setCallStation = callStationCommand({
    set: (enabled) => running.handlers.settings.setCallStation({ enabled }),
    role: () => account.role(),
  });
  registerIpc(
    ipcMain,
    createDispatcher({
      handlers: {
        ...running.handlers,
        ...account.handlers(),
        sync: sync.handlers(),
        settings: { ...running.handlers.settings, setCallStation },
        launch: {
          pendingLink: async () => {
            pageReady = true;
            const link = pendingLink;
            pendingLink = null;
            if (link) showWindow();
            return { link };
          },
        },
        files: {
          saveDayList: saveDayListCommand({
            day: (input) => running.handlers.agenda.day(input),
            practice: () => running.handlers.practice.get(undefined),
            practitioners: () => running.handlers.practitioners.list(undefined),
            rooms: () => running.handlers.rooms.list(undefined),
            language: () => current().language,
            saveFile,
          }),
        },
        screen: {
          chosen: async ({ requestId, sourceId }) => {
            screens.answer(requestId, sourceId);
            return { done: true as const };
          },
        },
        // Seeing the call log clears the tray's missed-calls count too.
        callLog: {
          ...running.handlers.callLog,
          markSeen: async () => {
            const value = await running.handlers.callLog.markSeen(undefined);
            tray?.setMissed(0);
            return value;
          },
        },
      },
      isTrustedSender,
      log: (message, error) => console.error(`clinicdesk: ${message}`, error),
    }),
  );

  mainWindow = createMainWindow(join(appDir, 'dist', 'preload', 'preload.cjs'), { alwaysOnTop: current().callStation });
  recoverRenderer(mainWindow, ({ reason, reloaded }) => {
    mainLog.write({
      level: 'error',
      source: 'main',
      message: `renderer gone (${reason}); ${reloaded ? 'reloaded' : 'given up'}`,
    });
    const t = texts();
    notifications.show({
      title: t('rendererGoneTitle'),
      body: t(reloaded ? 'rendererGoneBody' : 'rendererGoneGiveUp'),
      view: 'agenda',
    });
  });
  mainWindow.webContents.on('did-start-loading', () => {
    pageReady = false;
  });
  // Windows ends the session (shutdown, log-off) without will-quit: close the core while there is time.
  mainWindow.on('session-end', () => void core?.close());
  // Closing the window keeps ClinicDesk in the tray (calls still ring); Quit in the tray ends it.
  mainWindow.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      if (mainWindow) hideToTray(mainWindow, process.platform);
    }
  });

  tray = new TrayController(join(appDir, 'assets'), {
    open: () => showWindow(),
    openCallLog: () => {
      showWindow();
      if (mainWindow) sendEvent(mainWindow.webContents, 'app.navigate', { view: 'callLog' });
    },
    // The tray takes the same way as the settings view (a member's "on" is refused there).
    setCallStation: (enabled) =>
      void setCallStation({ enabled }).catch((error: unknown) => {
        const t = texts();
        if (error instanceof AppError && error.code === 'admin_only')
          notifications.show({
            title: t('callStationAdminOnlyTitle'),
            body: t('callStationAdminOnlyBody'),
            view: 'settings',
          });
        if (tray) tray.update(trayState());
      }),
    quit: () => app.quit(),
  });
  tray.update(trayState());
  void running.call('callLog.missed', undefined).then((count) => tray?.setMissed(count as number));
  sync.start();
  scheduleUpdates(autoUpdater, {
    packaged: app.isPackaged,
    onReady: (version) => {
      const t = texts();
      notifications.show({ title: t('updateReadyTitle'), body: t('updateReadyBody', { version }), view: 'settings' });
    },
    log: (message) => mainLog.write({ level: 'warn', source: 'updates', message }),
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Registration links: clinicdesk://register?token=… (Windows and Linux start a second instance with it,
  // macOS sends open-url).
  registerLinkScheme(app, { defaultApp: process.defaultApp, execPath: process.execPath, argv: process.argv });
  reopenOnActivate(app, () => showWindow());
  app.on('second-instance', (_event, argv) => {
    showWindow();
    const link = linkFromArgv(argv);
    if (link) openLink(link);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    openLink(url);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  // Quitting waits for the core to close its database (WAL checkpoint, no half-written state): the first
  // will-quit is held, the core closed, then the app quits for real.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    tray?.destroy();
    void Promise.resolve(core?.close())
      .catch(() => undefined)
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  void app.whenReady().then(start);
}
