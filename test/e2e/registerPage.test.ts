/**
 * The registration link of the mails (`/register/<token>` on the server) in Chromium, as someone without
 * the app opens it: the page offers the app through clinicdesk:// and, in the browser, goes through the
 * same steps as the app's wizard against the real server (real SMTP for the link). Afterwards the account
 * signs in with the password it chose.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import de from '../../src-renderer/locales/de/common.json';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { RENDERER_DIR } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;

beforeAll(async () => {
  server = await startServerFixture({ realClock: true, webDir: RENDERER_DIR });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const PASSWORD = 'Sunny-Practice-42';

describe('registration page in the browser', () => {
  it('opens the app by clinicdesk:// or registers in the browser, step by step, into an account that signs in', async () => {
    expect(
      (await server.api('POST', '/api/registration/signup', { email: 'web@praxis.example', language: 'de' })).status,
    ).toBe(202);
    const token = await server.linkFor('web@praxis.example');
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const response = await page.goto(`${server.base}/register/${token}`);
      expect(response!.status()).toBe(200);
      expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.getByTestId('register-choose').waitFor();
      expect(await page.getByTestId('open-app').getAttribute('href')).toBe(`clinicdesk://register?token=${token}`);
      expect(await page.getByTestId('register-page').textContent()).toContain('web@praxis.example');

      await page.getByTestId('continue-browser').click();
      await page.getByTestId('web-username').fill('web.praxis');
      await page.getByTestId('web-password').fill(PASSWORD);
      await page.getByTestId('web-repeat').fill(PASSWORD);
      await page.getByTestId('web-create').click();

      // The edition's steps, in the order the server gave.
      const seen: string[] = [];
      for (;;) {
        const step = page.locator(
          '[data-testid="web-pin-draw"], [data-testid="web-2fa-later"], [data-testid="web-visibility-next"], [data-testid="register-done"]',
        );
        await step.first().waitFor();
        const id = await step.first().getAttribute('data-testid');
        if (id === 'register-done') break;
        seen.push(id!);
        if (id === 'web-pin-draw') {
          // A trivial PIN of one's own is refused with the reason; a good one is taken.
          await page.getByTestId('web-pin-own').fill('12345678');
          await page.getByRole('button', { name: de.account.pin.useOwn }).click();
          await page.locator('.field-error').first().waitFor();
          await page.getByTestId('web-pin-own').fill('35817294');
          await page.getByRole('button', { name: de.account.pin.useOwn }).click();
          await expect.poll(() => page.getByTestId('web-pin').textContent()).toBe('3581 7294');
          await page.getByTestId('web-pin-kept').check();
          await page.getByTestId('web-pin-next').click();
          await page.getByTestId('web-pin').waitFor({ state: 'detached' });
        } else if (id === 'web-2fa-later') {
          await page.getByTestId('web-2fa-later').click();
          await page.getByTestId('web-2fa-later').waitFor({ state: 'detached' });
        } else {
          await page.getByTestId('web-searchable').check();
          await page.getByTestId('web-visibility-next').click();
          await page.getByTestId('web-visibility-next').waitFor({ state: 'detached' });
        }
      }
      expect(seen).toEqual(['web-pin-draw', 'web-2fa-later', 'web-visibility-next']);
      expect(await page.getByTestId('register-done').textContent()).toContain(de.account.wizard.done);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    const signIn = await server.api('POST', '/api/auth/sign-in', { username: 'web.praxis', password: PASSWORD });
    expect(signIn.status).toBe(200);
    const me = await server.api(
      'GET',
      '/api/account/me',
      undefined,
      (signIn.body as { accessToken: string }).accessToken,
    );
    expect(me.body).toMatchObject({ registered: true, searchable: true });
  });

  it('says so when the link is not valid, in the browser language', async () => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    try {
      await page.goto(`${server.base}/register/${'A'.repeat(43)}`);
      await page.getByTestId('link-error').waitFor();
      expect(await page.getByTestId('link-error').textContent()).toContain(de.account.link.askAdmin);
    } finally {
      await context.close();
    }
  });
});
