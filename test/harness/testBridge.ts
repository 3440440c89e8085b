/**
 * The renderer in Chromium over the real main-process core: a temporary data folder, the real database,
 * the real dispatcher (same sender and input checks as Electron's IPC), and the preload's API builder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { EventName, EventPayload } from '../../src-preload/contract';
import { createCore, type Core } from '../../src-main/core/core';
import { createDispatcher } from '../../src-main/core/ipc/dispatcher';
import { isTrustedSender } from '../../src-main/core/security/policy';
import { projectRoot } from '../../scripts/projectRoot';
import { serveRenderer, type StaticServer } from './staticServer';

export const ROOT = projectRoot();
export const RENDERER_DIR = join(ROOT, 'dist', 'renderer');
export const BRIDGE_INIT = join(ROOT, 'dist', 'test-bridge', 'init.js');

export interface HarnessOptions {
  browser: Browser;
  /** Reuse a data folder (to reopen the same database); a fresh temporary one otherwise. */
  dataDir?: string;
  osLocales?: string[];
  serverUrl?: string;
  viewport?: { width: number; height: number };
  /** The practice's time zone at first start (the machine's by default). */
  timeZone?: string;
}

export interface Harness {
  page: Page;
  context: BrowserContext;
  core: Core;
  dataDir: string;
  origin: string;
  openedLinks: string[];
  /** Loads a view of the app (`#/settings` …) and waits until it has rendered. */
  open(view?: string): Promise<void>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'clinicdesk-e2e-'));
  const openedLinks: string[] = [];
  let page: Page | undefined;

  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
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
    openExternal: (url) => {
      openedLinks.push(url);
    },
    emit,
  });

  let web: StaticServer | undefined;
  let context: BrowserContext | undefined;
  try {
    web = await serveRenderer(RENDERER_DIR, () => core.settings.get().serverUrl);
    const origin = web.origin;
    const dispatch = createDispatcher({
      handlers: core.handlers,
      isTrustedSender: (sender) => isTrustedSender(sender, origin),
      log: (message, error) => console.error(message, error),
    });
    context = await options.browser.newContext({
      locale: options.osLocales?.[0] ?? 'en-US',
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    page = await context.newPage();
    await page.exposeBinding('__clinicTransport', (source, channel: string, input: unknown) =>
      dispatch(channel, input, { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() }),
    );
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
      async open(view = 'agenda') {
        await openedPage.goto(`${origin}/index.html#/${view}`);
        await openedPage.getByTestId('view-title').waitFor();
      },
      async close({ keepData = false } = {}) {
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
