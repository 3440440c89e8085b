/**
 * The renderer in Chromium over the real main-process core: a temporary data folder, the real database,
 * the real dispatcher (same sender and input checks as Electron's IPC), and the preload's API builder.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { EventName, EventPayload } from '../../src-preload/contract';
import { saveDayListCommand } from '../../src-main/core/print/dayListCommand';
import { callStationCommand } from '../../src-main/core/settings/callStationCommand';
import { AccountSession } from '../../src-main/core/account/accountSession';
import { inProcessLocal, SyncDriver } from '../../src-main/core/sync/syncDriver';
import { secretTokenStore } from '../../src-main/core/account/tokenStore';
import { createCore, type Core } from '../../src-main/core/core';
import { secretsPath } from '../../src-main/core/config';
import { SecretStore, type Encryptor } from '../../src-main/core/secrets/secretStore';
import { createDispatcher } from '../../src-main/core/ipc/dispatcher';
import { isTrustedSender } from '../../src-main/core/security/policy';
import { projectRoot } from '../../scripts/projectRoot';
import { serveRenderer, type StaticServer } from './staticServer';

export const ROOT = projectRoot();
export const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
export const BRIDGE_INIT = join(ROOT, 'dist', 'test-bridge', 'init.js');

export interface HarnessOptions {
  browser: Browser;
  /** A desktop that cannot keep windows on top (Wayland), as the core would read it. */
  keepsOnTop?: boolean;
  /** Reuse a data folder (to reopen the same database); a fresh temporary one otherwise. */
  dataDir?: string;
  osLocales?: string[];
  serverUrl?: string;
  viewport?: { width: number; height: number };
  /** The practice's time zone at first start (the machine's by default). */
  timeZone?: string;
  /** How often sync runs without being told (30 s, as in the app). */
  syncIntervalMs?: number;
  /** Start sync (as the app does at start); off by default so that tests without a server stay quiet. */
  sync?: boolean;
}

/** Stands in for Electron's safeStorage (the OS keychain): AES-256-GCM with a key that lives with the harness. */
function testEncryptor(): Encryptor {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => true,
    storageBackend: () => undefined,
    encryptString(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(data) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export interface Harness {
  page: Page;
  context: BrowserContext;
  core: Core;
  dataDir: string;
  origin: string;
  openedLinks: string[];
  /** Files the app offered to save (the save dialog's stand-in), by name. */
  savedFiles: Map<string, string>;
  /** The user's answers to the screen picker (`screen.chosen`), in order. */
  screenAnswers: { requestId: string; sourceId: string | null }[];
  /** The sync driver, as the shell runs it (start it with the `sync` option, or kick it). */
  sync: SyncDriver;
  /** Native notifications the app asked for (kind and name), in order. */
  notifications: { kind: string; name: string }[];
  /** What the OS does with a clinicdesk:// link: the shell hands it to the window. */
  openRegistrationLink(link: string): void;
  /** A cold start with a link (the shell keeps it until the page asks for it). */
  startWithLink(link: string): void;
  /** An event from the main process (as the shell would send it). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /**
   * Test hook: answers a channel with this result instead of the core (a failure, or data the renderer must
   * survive), until cleared with null.
   */
  answer(channel: string, result: unknown): void;
  /** Loads a view of the app (`#/settings` …) and waits until it has rendered. */
  open(view?: string): Promise<void>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'clinicdesk-e2e-'));
  const openedLinks: string[] = [];
  const savedFiles = new Map<string, string>();
  const notifications: { kind: string; name: string }[] = [];
  const screenAnswers: { requestId: string; sourceId: string | null }[] = [];
  let pendingLink: string | null = null;
  let page: Page | undefined;

  // The sync driver is made after the session, which needs `emit`: reached through this holder.
  const late: { driver?: SyncDriver } = {};
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    if (event === 'account.changed') late.driver?.accountChanged((payload as EventPayload<'account.changed'>).signedIn);
    void page
      ?.evaluate(
        ([name, body]) =>
          (globalThis as unknown as { __clinicDeliver(n: string, b: unknown): void }).__clinicDeliver(name, body),
        [event, payload] as const,
      )
      .catch(() => {}); // the page may be navigating
  };

  const core = createCore({
    dataDir,
    appVersion: 'test',
    osLocales: options.osLocales ?? ['en-US'],
    defaultServerUrl: options.serverUrl ?? 'http://127.0.0.1:4780',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    ...(options.keepsOnTop !== undefined ? { keepsOnTop: options.keepsOnTop } : {}),
    openExternal: (url) => {
      openedLinks.push(url);
    },
    emit,
  });

  // The server session, as the shell runs it in the main thread; a save "dialog" that saves to the data folder.
  const saveFile = async (name: string, bytes: Uint8Array) => {
    const folder = join(dataDir, 'saved');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, name), bytes);
    savedFiles.set(name, join(folder, name));
    return true;
  };
  const account = new AccountSession({
    serverUrl: () => core.settings.get().serverUrl,
    language: () => core.settings.get().language,
    country: () => core.practice.practice().country,
    tokens: secretTokenStore(new SecretStore(secretsPath(dataDir), testEncryptor())),
    emit,
    openPaymentPage: (url) => openedLinks.push(url),
    saveFile,
    notify: (kind, name) => notifications.push({ kind, name }),
  });

  // Sync as the shell runs it: the driver beside the session, each step done by the core.
  const local = core.sync;
  const sync = new SyncDriver({
    local: inProcessLocal(local),
    remote: account.syncTransport(),
    callLog: account.callLogTransport(),
    signedIn: () => account.signedIn(),
    onRevoked: () => account.signOutHere(),
    onHeld: (count) => notifications.push({ kind: 'held', name: String(count) }),
    emit,
    intervalMs: options.syncIntervalMs ?? 30_000,
  });
  late.driver = sync;
  const outboxSize = () => (core.db.prepare('SELECT max(seq) AS n FROM outbox').get() as { n: number | null }).n ?? 0;

  let web: StaticServer | undefined;
  let context: BrowserContext | undefined;
  try {
    web = await serveRenderer(RENDERER_DIR, () => core.settings.get().serverUrl);
    const origin = web.origin;
    const answers = new Map<string, unknown>();
    const dispatch = createDispatcher({
      handlers: {
        ...core.handlers,
        ...account.handlers(),
        sync: sync.handlers(),
        settings: {
          ...core.handlers.settings,
          setCallStation: callStationCommand({
            set: (enabled) => core.handlers.settings.setCallStation({ enabled }),
            role: () => account.role(),
          }),
        },
        // The shell's share: the link of a cold start, and the answer of the screen picker, recorded.
        launch: {
          pendingLink: async () => {
            const link = pendingLink;
            pendingLink = null;
            return { link };
          },
        },
        files: {
          saveDayList: saveDayListCommand({
            day: (input) => core.handlers.agenda.day(input),
            practice: () => core.handlers.practice.get(undefined),
            practitioners: () => core.handlers.practitioners.list(undefined),
            rooms: () => core.handlers.rooms.list(undefined),
            language: () => core.settings.get().language,
            saveFile,
          }),
        },
        screen: {
          chosen: async (answer) => {
            screenAnswers.push(answer);
            return { done: true as const };
          },
        },
      },
      isTrustedSender: (sender) => isTrustedSender(sender, origin),
      log: (message, error) => console.error(message, error),
    });
    context = await options.browser.newContext({
      locale: options.osLocales?.[0] ?? 'en-US',
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    page = await context.newPage();
    await page.exposeBinding('__clinicTransport', (source, channel: string, input: unknown) =>
      answers.has(channel)
        ? answers.get(channel)
        : (async () => {
            // As the worker tells the shell: a command that grew the outbox makes sync push.
            const before = outboxSize();
            const result = await dispatch(channel, input, {
              url: source.frame.url(),
              isMainFrame: source.frame === source.page.mainFrame(),
            });
            if (outboxSize() > before) void sync.kick();
            return result;
          })(),
    );
    if (options.sync) sync.start();
    await page.addInitScript({ path: BRIDGE_INIT });
    const openedPage = page;
    const openedContext = context;
    const openedWeb = web;

    return {
      page: openedPage,
      context: openedContext,
      core,
      dataDir,
      origin,
      openedLinks,
      savedFiles,
      notifications,
      screenAnswers,
      sync,
      emit,
      answer(channel, result) {
        if (result === null) answers.delete(channel);
        else answers.set(channel, result);
      },
      startWithLink(link) {
        pendingLink = link;
      },
      openRegistrationLink(link) {
        emit('app.navigate', { view: 'account' });
        emit('account.registrationLink', { link });
      },
      async open(view = 'agenda') {
        await openedPage.goto(`${origin}/index.html#/${view}`);
        await openedPage.getByTestId('view-title').waitFor();
      },
      async close({ keepData = false } = {}) {
        await sync.stop();
        await openedContext.close();
        await openedWeb.close();
        core.close();
        if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close();
    await web?.close();
    core.close();
    throw error;
  }
}
