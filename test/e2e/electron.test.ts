/**
 * The packaged shell for real, with Playwright's _electron. Runs where the Electron binary exists; on
 * machines without it (this offline CI) it reports itself as skipped, with the reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src-preload/contract';
import { findElectronBinary } from '../../scripts/electronBinary';
import { ROOT } from '../harness/testBridge';
import de from '../../src-renderer/locales/de/common.json';

const lookup = findElectronBinary(ROOT);

describe('Electron app', () => {
  it('starts sandboxed on app://, switches to German and keeps it after a restart', async (context) => {
    if (lookup.path === null) {
      const reason = `Electron binary not available: ${lookup.reason}`;
      console.warn(`skipped: ${reason}`);
      context.skip(reason);
      return;
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-electron-'));
    const launch = () =>
      electron.launch({
        executablePath: lookup.path!,
        args: [ROOT, `--data-dir=${dataDir}`, '--no-sandbox'],
        env: { ...process.env, CLINICDESK_SERVER_URL: 'http://127.0.0.1:4780' },
      });

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
});
