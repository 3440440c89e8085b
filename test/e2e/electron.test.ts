/**
 * The packaged shell for real, with Playwright's _electron. Runs where the Electron binary exists; on
 * machines without it (this offline CI) it reports itself as skipped, with the reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { describe, expect, it, type TestContext } from 'vitest';
import { commands } from '../../src-preload/contract';
import { findElectronBinary } from '../../scripts/electronBinary';
import { ROOT } from '../harness/testBridge';
import { startServerFixture } from '../harness/serverFixture';
import de from '../../src-renderer/locales/de/common.json';

const lookup = findElectronBinary(ROOT);

/** Reports the test as skipped, with the reason, where the Electron binary is not available. */
function needsElectron(context: TestContext): string | null {
  if (lookup.path !== null) return lookup.path;
  const reason = `Electron binary not available: ${lookup.reason}`;
  console.warn(`skipped: ${reason}`);
  context.skip(reason);
  return null;
}

const start = (executablePath: string, dataDir: string, extra: string[] = [], serverUrl = 'http://127.0.0.1:4780') =>
  electron.launch({
    executablePath,
    args: [ROOT, `--data-dir=${dataDir}`, '--no-sandbox', ...extra],
    env: { ...process.env, CLINICDESK_SERVER_URL: serverUrl },
  });

/** The main window, as the main process sees it (state the page cannot observe). */
const mainWindowState = (app: ElectronApplication) =>
  app.evaluate(({ BrowserWindow }) => {
    const window = BrowserWindow.getAllWindows()[0]!;
    return {
      alwaysOnTop: window.isAlwaysOnTop(),
      onAllWorkspaces: window.isVisibleOnAllWorkspaces(),
      visible: window.isVisible(),
    };
  });

describe('Electron app', () => {
  it('starts sandboxed on app://, switches to German and keeps it after a restart', async (context) => {
    const executablePath = needsElectron(context);
    if (!executablePath) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-electron-'));
    const launch = () => start(executablePath, dataDir);

    let app = await launch();
    try {
      const page = await app.firstWindow();
      await page.getByTestId('view-title').waitFor();
      expect(page.url()).toMatch(/^app:\/\/clinicdesk\//);
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      // No Node in the page, only the named bridge functions.
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      expect(await page.evaluate(() => Object.keys(window.clinic).sort())).toEqual(
        [...Object.keys(commands), 'on'].sort(),
      );
      await page.evaluate(() => {
        window.location.hash = '#/settings';
      });
      await page.getByTestId('language-select').selectOption('de');
      await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(de.nav.settings);
    } finally {
      await app.close();
    }

    app = await launch();
    try {
      const page = await app.firstWindow();
      await expect.poll(() => page.getByTestId('view-title').textContent()).toContain(de.nav.agenda);
    } finally {
      await app.close();
    }
  });

  it('a registration link that starts the app opens the wizard (cold start)', async (context) => {
    const executablePath = needsElectron(context);
    if (!executablePath) return;
    const server = await startServerFixture({ realClock: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-electron-'));
    try {
      await server.api('POST', '/api/registration/signup', { email: 'cold@praxis.example', language: 'en' });
      const token = await server.linkFor('cold@praxis.example');
      const app = await start(executablePath, dataDir, [`clinicdesk://register?token=${token}`], server.base);
      try {
        const page = await app.firstWindow();
        await page.getByTestId('reg-username').waitFor();
        expect(await page.getByTestId('wizard').textContent()).toContain('cold@praxis.example');
      } finally {
        await app.close();
      }
    } finally {
      await server.close();
    }
  });

  it('call-station mode keeps the window above the taskbar on every workspace, and closing keeps it running', async (context) => {
    const executablePath = needsElectron(context);
    if (!executablePath) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-electron-'));
    const app = await start(executablePath, dataDir);
    try {
      const page = await app.firstWindow();
      await page.getByTestId('view-title').waitFor();
      await page.evaluate(() => {
        window.location.hash = '#/settings';
      });
      await page.getByTestId('call-station').check();
      await page.getByTestId('call-station-confirm-yes').click();
      await expect.poll(() => page.getByTestId('call-station').isChecked()).toBe(true);
      // Wayland has no always-on-top (Settings says so there): the level is checked on X11, Windows, macOS.
      if (process.env.XDG_SESSION_TYPE !== 'wayland')
        await expect.poll(() => mainWindowState(app)).toMatchObject({ alwaysOnTop: true, onAllWorkspaces: true });
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
      await expect.poll(async () => (await mainWindowState(app)).visible).toBe(false);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('shares a screen chosen in the app’s own picker', async (context) => {
    const executablePath = needsElectron(context);
    if (!executablePath) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-electron-'));
    const app = await start(executablePath, dataDir);
    try {
      const page = await app.firstWindow();
      await page.getByTestId('view-title').waitFor();
      // macOS 15+ shows the system's picker instead (useSystemPicker), which a test cannot click.
      if (process.platform === 'darwin') return;
      const shared = page.evaluate(() =>
        navigator.mediaDevices
          .getDisplayMedia({ video: true })
          .then((stream) => stream.getVideoTracks()[0]?.readyState ?? 'no track'),
      );
      await page.getByTestId('screen-picker').waitFor();
      await page.getByTestId('screen-source').first().click();
      await page.getByTestId('screen-share').click();
      expect(await shared).toBe('live');
    } finally {
      await app.close();
    }
  });
});
