/**
 * The built renderer in Debian's Chromium, over the test bridge and the real core on a temporary data folder.
 */
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, VIEWS } from '../../src-preload/contract';
import { databasePath } from '../../src-main/core/config';
import { launchChromium } from '../harness/chromium';
import { startHarness, type Harness } from '../harness/testBridge';
import de from '../../src-renderer/locales/de/common.json';
import en from '../../src-renderer/locales/en/common.json';
import sv from '../../src-renderer/locales/sv/common.json';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const storedSettings = (dataDir: string) => {
  const db = new Database(databasePath(dataDir), { readonly: true });
  const rows = db.prepare('SELECT key, value FROM settings ORDER BY key').all();
  db.close();
  return rows;
};

/** Collects CSP violations and page errors, which must stay empty. */
function watchProblems(harness: Harness): string[] {
  const problems: string[] = [];
  harness.page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  harness.page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

describe('language setting, end to end', () => {
  it('starts in the system language, switches to German, and stays German after a reload', async () => {
    const harness = await startHarness({ browser, osLocales: ['sv-SE'] });
    const problems = watchProblems(harness);
    try {
      await harness.open('settings');
      const { page } = harness;
      // First start: Swedish from the system locale.
      await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(sv.nav.settings);
      expect(await page.locator('html').getAttribute('lang')).toBe('sv');
      await page.getByText(sv.settings.language.followsSystem).waitFor();

      await page.getByTestId('language-select').selectOption('de');
      await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(de.nav.settings);
      await expect.poll(() => page.getByTestId('nav-agenda').textContent()).toContain(de.nav.agenda);
      expect(await page.getByText(sv.settings.language.followsSystem).count()).toBe(0);
      expect(storedSettings(harness.dataDir)).toEqual([{ key: 'language', value: '"de"' }]);

      await page.reload();
      await page.getByTestId('view-title').waitFor();
      expect(await page.getByTestId('view-title').textContent()).toBe(de.nav.settings);
      expect(await page.locator('html').getAttribute('lang')).toBe('de');
      expect(await page.getByTestId('language-select').inputValue()).toBe('de');

      // Every view renders, in German, with its empty state. Signed out, the admin panel is not listed.
      expect(await page.getByTestId('nav-admin').count()).toBe(0);
      for (const view of VIEWS.filter((v) => v !== 'admin')) {
        await page.getByTestId(`nav-${view}`).click();
        await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(de.nav[view]);
        await page.getByTestId(`view-${view}`).waitFor();
        if (view in de.empty) await page.getByText(de.empty[view as keyof typeof de.empty].title).waitFor();
        if (view === 'contacts') await page.getByText(de.account.needed.title).waitFor();
      }
      // The template editor opens on the UI's language.
      await page.getByTestId('nav-messages').click();
      await page.getByTestId('messages-tab-templates').click();
      expect(await page.getByTestId('template-language-de').getAttribute('aria-pressed')).toBe('true');
      expect(problems).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it('keeps the language when the app is started again on the same data folder', async () => {
    const first = await startHarness({ browser, osLocales: ['en-US'] });
    const dataDir = first.dataDir;
    await first.open('settings');
    await first.page.getByTestId('language-select').selectOption('sv');
    await expect.poll(() => first.page.getByTestId('view-title').textContent()).toBe(sv.nav.settings);
    await first.close({ keepData: true });

    const second = await startHarness({ browser, dataDir, osLocales: ['en-US'] });
    try {
      await second.open('agenda');
      expect(await second.page.getByTestId('view-title').textContent()).toBe(sv.nav.agenda);
    } finally {
      await second.close();
    }
  });

  it('writes Swiss German (no ß, Swiss formats) for a practice in Switzerland, and English dates day first', async () => {
    const harness = await startHarness({ browser, osLocales: ['de-CH'], timeZone: 'Europe/Zurich' });
    try {
      harness.core.practice.updatePractice({ country: 'CH' });
      await harness.open('settings');
      const { page } = harness;
      const closes = de.practiceSettings.closesAt;
      expect(closes).toContain('ß'); // the German text has one; the Swiss page must not
      await page.getByText(closes.replace(/ß/g, 'ss')).first().waitFor();
      expect(await page.locator('body').innerText()).not.toContain('ß');

      // Away from Switzerland, German keeps its ß; English is written day first (en-GB) in a European practice.
      harness.core.practice.updatePractice({ country: 'DE' });
      await page.reload();
      await page.getByText(closes).first().waitFor();
      await page.getByTestId('language-select').selectOption('en');
      await harness.open('agenda');
      await page.getByTestId('agenda-date').fill('2026-12-01');
      await expect.poll(() => page.locator('.agenda-title').textContent()).toContain('1 December 2026'); // day first, not "December 1, 2026"
    } finally {
      await harness.close();
    }
  });

  it('shows a translated validation error for bad input and writes nothing', async () => {
    const harness = await startHarness({ browser, osLocales: ['de-DE'] });
    try {
      await harness.open('settings');
      const { page } = harness;
      await page.getByTestId('server-url').fill('http://clinicdesk.example.org');
      await page.getByTestId('server-url-save').click();
      const error = page.getByTestId('server-url-error');
      await error.waitFor();
      expect(await error.textContent()).toBe(de.errors.field.server_url_invalid);
      expect(await page.getByTestId('server-url').getAttribute('aria-invalid')).toBe('true');
      expect(storedSettings(harness.dataDir)).toEqual([]);

      // The same command straight through the bridge: refused with its code, nothing written.
      const raw = await page.evaluate(() => window.clinic.settings.setLanguage({ language: 'fr' as 'de' }));
      expect(raw).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: 'language' }] } });
      expect(storedSettings(harness.dataDir)).toEqual([]);

      // A valid address is stored as its origin, and the error goes away.
      await page.getByTestId('server-url').fill('https://praxis.example.org/');
      await page.getByTestId('server-url-save').click();
      await page.getByText(de.settings.server.saved).waitFor();
      expect(await error.count()).toBe(0);
      expect(storedSettings(harness.dataDir)).toEqual([{ key: 'serverUrl', value: '"https://praxis.example.org"' }]);
    } finally {
      await harness.close();
    }
  });

  it('gives the renderer only the named bridge functions, no Node and no ipcRenderer', async () => {
    const harness = await startHarness({ browser });
    try {
      await harness.open('agenda');
      const surface = await harness.page.evaluate(() => ({
        groups: Object.keys(window.clinic).sort(),
        settings: Object.keys(window.clinic.settings).sort(),
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        ipcRenderer: typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
      }));
      expect(surface).toEqual({
        groups: [...Object.keys(commands), 'on'].sort(),
        settings: ['get', 'setCallStation', 'setLanguage', 'setServerUrl'],
        require: 'undefined',
        process: 'undefined',
        ipcRenderer: 'undefined',
      });
      expect(await harness.page.getByTestId('view-title').textContent()).toBe(en.nav.agenda);
    } finally {
      await harness.close();
    }
  });

  it('follows settings changed elsewhere (tray) and navigation requests from main', async () => {
    const harness = await startHarness({ browser });
    try {
      await harness.open('settings');
      const { page, core } = harness;
      // One way of saving per card: the workstation's choices apply at once (no Save), the server's is a form.
      expect(await page.getByTestId('settings-workstation').locator('button[type="submit"]').count()).toBe(0);
      expect(await page.getByTestId('settings-workstation').getByTestId('call-station').count()).toBe(1);
      expect(await page.getByTestId('settings-server').locator('button[type="submit"]').count()).toBe(1);
      expect(await page.getByTestId('call-station').isChecked()).toBe(false);
      // Turning it on here asks first; "Cancel" leaves it off.
      await page.getByTestId('call-station').click();
      await page.getByTestId('call-station-confirm').waitFor();
      expect(core.settings.get().callStation).toBe(false);
      await page.getByTestId('call-station-confirm-keep').click();
      expect(await page.getByTestId('call-station').isChecked()).toBe(false);
      expect(core.settings.get().callStation).toBe(false);
      core.settings.setCallStation(true); // what the tray menu does
      await expect.poll(() => page.getByTestId('call-station').isChecked()).toBe(true);
      core.settings.setLanguage('de');
      await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(de.nav.settings);
      await page.evaluate(() => {
        (globalThis as unknown as { __clinicDeliver(n: string, b: unknown): void }).__clinicDeliver('app.navigate', {
          view: 'calls',
        });
      });
      await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(de.nav.calls);
    } finally {
      await harness.close();
    }
  });

  it('blocks inline script injection through the CSP', async () => {
    const harness = await startHarness({ browser });
    try {
      await harness.open('agenda');
      // An inline script runs at once when appended, unless the CSP blocks it: then the browser reports the
      // violation. Wait for that report instead of a while.
      const { ran, blocked } = await harness.page.evaluate(async () => {
        const violation = new Promise<string>((resolve) =>
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }),
        );
        const script = document.createElement('script');
        script.textContent = 'window.__injected = true';
        document.body.append(script);
        const directive = await violation;
        return { ran: (window as unknown as { __injected?: boolean }).__injected === true, blocked: directive };
      });
      expect(ran).toBe(false);
      expect(blocked).toMatch(/^script-src/);
    } finally {
      await harness.close();
    }
  });
});
