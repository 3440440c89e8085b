/**
 * main.ts itself (issue 14), imported as Electron would run it, against the fake `electron` whose `app`
 * follows app.md's lifecycle (single instance, ready, open-url, second-instance, quit's event order,
 * exit) and whose web contents report `isLoading()` true during did-finish-load, as Electron's do.
 *
 * The core runs in-process here instead of in its worker thread: vitest cannot start a worker from the
 * TypeScript sources. The worker's own messaging and supervision are tested against the built worker in
 * test/integration/worker.test.ts; what is under test here is main.ts's wiring around it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMAND_PREFIX, commandEntries, EVENT_PREFIX } from '../../../src-preload/contract';
import { ROOT } from '../../harness/testBridge';
import type * as FakeElectron from './fakeElectron';

/** What the stand-in worker did, shared with the tests (the module is loaded afresh for each test). */
const worker = vi.hoisted(() => ({
  log: [] as string[],
  /** An AppError code the start fails with (as the worker reports a database it must refuse). */
  failWith: null as string | null,
  dataDir: '',
}));

vi.mock('electron', () => import('./fakeElectron'));
vi.mock('electron-updater', () => ({
  autoUpdater: { on: () => undefined, checkForUpdates: () => Promise.resolve(null) },
}));
vi.mock('../../../src-main/core/worker/workerCore', async () => {
  const { createCore } = await import('../../../src-main/core/core');
  const { commandEntries: entries } = await import('../../../src-preload/contract');
  type Options = Parameters<typeof createCore>[0];
  return {
    startCoreWorker: async (
      _file: string,
      options: Omit<Options, 'emit' | 'openExternal'>,
      host: Pick<Options, 'emit' | 'openExternal'>,
    ) => {
      if (worker.failWith) {
        // The same module instance main.ts checks against (modules are loaded afresh for each test).
        const { AppError } = await import('../../../src-main/core/errors');
        throw new AppError(worker.failWith as never, 'refused');
      }
      worker.dataDir = options.dataDir;
      const core = createCore({ ...options, emit: host.emit, openExternal: host.openExternal });
      worker.log.push('core started');
      // The same channel names the worker answers: the contract's commands and the sync driver's steps.
      const groups = core.handlers as unknown as Record<string, Record<string, (input: unknown) => unknown>>;
      const sync = core.sync as unknown as Record<string, (input: unknown) => unknown>;
      const call = async (channel: string, input: unknown) => {
        if (channel.startsWith('internal.sync.')) return sync[channel.slice('internal.sync.'.length)]!(input);
        const entry = entries.find((e) => e.channel === channel);
        if (!entry) throw new Error(`No handler for ${channel}`);
        return groups[entry.group]![entry.name]!(input);
      };
      let closed = false;
      return {
        handlers: core.handlers,
        call,
        close: async () => {
          if (closed) return;
          closed = true;
          // As the worker: the database closes in another thread, after a message there and back.
          await new Promise((resolve) => setImmediate(resolve));
          core.close();
          worker.log.push('core closed');
        },
      };
    },
  };
});

const MAIN = '../../../src-main/shell/main';
const PAGE = { senderFrame: { url: 'app://clinicdesk/index.html', parent: null } };
const LINK = 'clinicdesk://register?token=abc123';

let electron: typeof FakeElectron;
let app: FakeElectron.FakeMainApp;
let dataDir: string;
const processListeners = { unhandledRejection: 0, uncaughtExceptionMonitor: 0 };

/** Loads main.ts as Electron would, with this argv; the fake electron module is fresh for each test. */
async function launch(
  argv: string[] = [process.execPath],
  options: { singleInstanceLock?: boolean } = {},
): Promise<void> {
  vi.resetModules();
  electron = (await import('electron')) as unknown as typeof FakeElectron;
  electron.recorded.reset();
  app = electron.useApp(new electron.FakeMainApp({ userData: dataDir, documents: dataDir, appPath: ROOT }));
  app.singleInstanceLock = options.singleInstanceLock ?? true;
  const saved = process.argv;
  process.argv = argv;
  try {
    await import(MAIN);
  } finally {
    process.argv = saved;
  }
}

/** Ready, and the window made (start() awaits the core first). */
async function ready(): Promise<FakeElectron.BrowserWindow> {
  app.emitReady();
  await vi.waitFor(() => expect(electron.BrowserWindow.instances).toHaveLength(1));
  return electron.BrowserWindow.instances[0]!;
}

const invoke = (channel: string, input?: unknown) =>
  electron.recorded.ipcHandlers.get(COMMAND_PREFIX + channel)!(PAGE, input) as Promise<{
    ok: boolean;
    value?: unknown;
    error?: { code: string };
  }>;

const sentEvents = (window: FakeElectron.BrowserWindow) =>
  window.webContents.sent.map(([channel, payload]) => [channel.slice(EVENT_PREFIX.length), payload]);

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-main-'));
  worker.log.length = 0;
  worker.failWith = null;
  processListeners.unhandledRejection = process.listenerCount('unhandledRejection');
  processListeners.uncaughtExceptionMonitor = process.listenerCount('uncaughtExceptionMonitor');
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(async () => {
  // Every test ends with the app gone, so the core's database is closed before its folder is removed.
  if (app && !app.ended) {
    for (const window of electron.BrowserWindow.instances) window.removeAllListeners('close');
    app.quit();
    await vi.waitFor(() => expect(app.ended).not.toBeNull());
  }
  // main.ts adds its process-wide error loggers at start; one test's must not run in the next.
  for (const listener of process.listeners('unhandledRejection').slice(processListeners.unhandledRejection))
    process.off('unhandledRejection', listener);
  for (const listener of process.listeners('uncaughtExceptionMonitor').slice(processListeners.uncaughtExceptionMonitor))
    process.off('uncaughtExceptionMonitor', listener);
  vi.restoreAllMocks();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('main.ts: start', () => {
  it('registers what must come before ready, then opens one locked-down window with IPC, protocol and tray', async () => {
    await launch();
    // Before ready: the app scheme (Electron refuses it later), the link scheme, guards on every page.
    expect(electron.recorded.schemes).toEqual([expect.objectContaining({ scheme: 'app' })]);
    expect(app.isDefaultProtocolClient('clinicdesk')).toBe(true);
    const stray = new electron.FakeWebContents();
    app.emit('web-contents-created', electron.fakeEvent(), stray);
    expect(stray.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(worker.log).toEqual([]); // nothing of the core before ready

    const window = await ready();
    expect(worker.log).toEqual(['core started']);
    expect(worker.dataDir).toBe(dataDir); // the OS's userData folder when nothing else is given
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: join(ROOT, 'dist', 'preload', 'preload.cjs'),
    });
    expect(window.loadedUrl).toBe('app://clinicdesk/index.html');
    expect([...electron.recorded.ipcHandlers.keys()].sort()).toEqual(
      commandEntries.map((e) => COMMAND_PREFIX + e.channel).sort(),
    );
    expect([...electron.recorded.protocolHandlers.keys()]).toEqual(['app']);
    expect(electron.Menu.applicationMenu).toBeNull(); // no default menu with Ctrl+R (Linux here)
    await vi.waitFor(() => expect(electron.Tray.instances).toHaveLength(1));
    // A command from the page reaches the core and answers in the OS's language.
    expect(await invoke('settings.get')).toMatchObject({ ok: true, value: { language: 'en' } });
    // Another frame gets nothing.
    const other = await electron.recorded.ipcHandlers.get(`${COMMAND_PREFIX}settings.get`)!(
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      undefined,
    );
    expect(other).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    // Screen capture reaches the app's picker (not Chromium's missing one); permissions are ours.
    expect(electron.session.defaultSession.displayMediaHandler).toBeTypeOf('function');
    expect(
      await electron.session.defaultSession.requestPermission('geolocation', {
        requestingUrl: 'app://clinicdesk/index.html',
      }),
    ).toBe(false);
  });

  it('a second instance quits at once and starts nothing', async () => {
    await launch([process.execPath], { singleInstanceLock: false });
    expect(app.ended).toEqual({ how: 'quit', code: 0 });
    app.emitReady();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker.log).toEqual([]);
    expect(electron.BrowserWindow.instances).toEqual([]);
  });

  it('a database from a newer version: a translated message, then the app exits', async () => {
    worker.failWith = 'db_too_new';
    await launch();
    app.emitReady();
    await vi.waitFor(() => expect(app.ended).toEqual({ how: 'exit', code: 1 }));
    expect(electron.dialog.errors).toHaveLength(1);
    expect(electron.dialog.errors[0]).toEqual([
      'ClinicDesk cannot open its data',
      expect.stringContaining('written by a newer version of ClinicDesk'),
    ]);
    expect(electron.BrowserWindow.instances).toEqual([]);
  });
});

describe('main.ts: registration links', () => {
  it('a link that started the app waits until the page asks for it, even though did-finish-load comes while loading', async () => {
    await launch([process.execPath, LINK]);
    const window = await ready();
    window.webContents.finishLoad();
    window.emit('ready-to-show');
    // Pushed at load, the link would be lost (the page subscribes later): nothing is sent.
    expect(sentEvents(window).filter(([name]) => name === 'account.registrationLink')).toEqual([]);
    expect(await invoke('launch.pendingLink')).toMatchObject({ ok: true, value: { link: LINK } });
    expect(await invoke('launch.pendingLink')).toMatchObject({ ok: true, value: { link: null } });
    expect(window.shown).toBe(true);
  });

  it('macOS open-url before the window exists is kept for the page', async () => {
    await launch();
    const event = electron.fakeEvent();
    app.emit('open-url', event, LINK);
    expect(event.defaultPrevented).toBe(true);
    const window = await ready();
    window.webContents.finishLoad();
    expect(await invoke('launch.pendingLink')).toMatchObject({ value: { link: LINK } });
  });

  it('a second instance’s link goes to a ready page at once; during a reload it waits for the page again', async () => {
    await launch();
    const window = await ready();
    window.webContents.finishLoad();
    expect(await invoke('launch.pendingLink')).toMatchObject({ value: { link: null } });
    window.hidden = true;
    window.shown = false;

    app.emit('second-instance', electron.fakeEvent(), [process.execPath, LINK], '/home/reception', {});
    expect(window.shown).toBe(true);
    expect(sentEvents(window)).toEqual(
      expect.arrayContaining([
        ['app.navigate', { view: 'account' }],
        ['account.registrationLink', { link: LINK }],
      ]),
    );

    // The renderer crashes: the window loads the app again and the user is told.
    window.webContents.emit('render-process-gone', electron.fakeEvent(), { reason: 'crashed', exitCode: 139 });
    expect(window.loadedUrls).toHaveLength(2);
    expect(electron.Notification.alive().map((n) => n.options.title)).toHaveLength(1);
    const second = `${LINK}-2`;
    const before = window.webContents.sent.length;
    app.emit('open-url', electron.fakeEvent(), second);
    expect(window.webContents.sent.length).toBe(before); // the reloading page could not take it
    window.webContents.finishLoad();
    expect(await invoke('launch.pendingLink')).toMatchObject({ value: { link: second } });
  });
});

describe('main.ts: tray and quitting', () => {
  const database = () => join(dataDir, 'clinicdesk.sqlite');

  it('closing the window keeps the app in the tray; Quit closes the core’s database before the app ends', async () => {
    await launch();
    const window = await ready();
    expect(existsSync(database())).toBe(true);
    expect(window.close()).toBe(false);
    expect(window.hidden).toBe(true);
    expect(app.ended).toBeNull();
    expect(worker.log).toEqual(['core started']);

    app.on('quit', () => worker.log.push('app ended'));
    const tray = electron.Tray.instances[0]!;
    tray.menu!.items.find((item) => item.id === 'quit')!.click!({ checked: false });
    await vi.waitFor(() => expect(app.ended).toEqual({ how: 'quit', code: 0 }));
    expect(worker.log).toEqual(['core started', 'core closed', 'app ended']);
    expect(window.destroyed).toBe(true);
    expect(tray.destroyed).toBe(true);
    // Closed cleanly: SQLite's write-ahead log was checkpointed and removed with the last connection.
    expect(existsSync(`${database()}-wal`)).toBe(false);
  });

  it('Windows ending the session (no will-quit there) closes the core', async () => {
    await launch();
    const window = await ready();
    window.emit('session-end', electron.fakeEvent());
    await vi.waitFor(() => expect(worker.log).toEqual(['core started', 'core closed']));
    expect(existsSync(`${database()}-wal`)).toBe(false);
  });
});
