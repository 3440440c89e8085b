/** The patients' guest page, served by the real server on loopback, in Chromium. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ServerContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openServerDb } from '../../server/db/database';
import { launchChromium } from '../harness/chromium';
import { RENDERER_DIR } from '../harness/testBridge';
import da from '../../src-renderer/locales/da/guest.json';
import de from '../../src-renderer/locales/de/guest.json';

let browser: Browser;
let server: ServerContext;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  const config = loadConfig(
    ['--port=0', `--data-dir=${mkdtempSync(join(tmpdir(), 'clinicdesk-guest-'))}`, '--log-level=warn'],
    {},
    RENDERER_DIR,
  );
  server = await buildServer(config, await openServerDb(config.dataDir), 'test');
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('guest page', () => {
  it("opens in the browser's language and checks the access code", async () => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${base}/join`);
      await page.getByRole('heading', { name: de.title }).waitFor();
      await page.getByTestId('guest-code').fill('12345');
      await page.getByTestId('guest-continue').click();
      expect(await page.getByTestId('guest-error').textContent()).toBe(de.codeInvalid);

      await page.getByTestId('guest-code').fill('123 456 789');
      await page.getByTestId('guest-continue').click();
      await expect.poll(() => page.getByTestId('guest-error').textContent()).toBe(de.codeNotFound);

      await page.getByTestId('guest-language').selectOption('da');
      await page.getByRole('heading', { name: da.title }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('takes the language from the link', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/join/AbCdEfGhIjKlMnOpQrSt?lang=da`);
      await page.getByRole('heading', { name: da.title }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('da');
    } finally {
      await context.close();
    }
  });
});
