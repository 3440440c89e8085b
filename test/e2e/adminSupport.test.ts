/**
 * Support checks a caller's service PIN in the admin panel (service admins only), in Chromium over the real
 * core and the real server: the member chose their own PIN at registration; the right PIN matches, a wrong
 * one does not, and a malformed one is refused with the reason.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../src-renderer/locales/en/common.json';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { startHarness, type Harness } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;
let harness: Harness;
const PASSWORD = 'Sunny-Practice-42';

/** Registers an account through the server's routes, with a PIN of its own choosing. */
async function registered(email: string, username: string, role: 'member' | 'service_admin', pin: string) {
  const invited = await server.server.accounts.invite({ email, role, organisationId: null, language: 'en' });
  const tokens = (await server.api('POST', `/api/registration/${invited!.token}`, { username, password: PASSWORD }))
    .body as { accessToken: string };
  expect((await server.api('POST', '/api/account/registration/pin', { pin }, tokens.accessToken)).body).toEqual({
    pin,
  });
  await server.api('POST', '/api/account/registration/pin/confirm', undefined, tokens.accessToken);
  await server.api('POST', '/api/account/registration/finish', undefined, tokens.accessToken);
}

beforeAll(async () => {
  server = await startServerFixture({ realClock: true });
  browser = await launchChromium();
  harness = await startHarness({ browser, osLocales: ['en-US'], serverUrl: server.base });
  await registered('support@clinicdesk.example', 'support.desk', 'service_admin', '40718253');
  await registered('caller@praxis.example', 'caller', 'member', '35817294');
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
});

describe('support PIN check and account settings', () => {
  it("tells support whether a caller's PIN matches, without showing any PIN", async () => {
    const { page } = harness;
    await harness.open('account');
    await page.getByTestId('signin-username').fill('support.desk');
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-support').click();

    const check = async (username: string, pin: string) => {
      await page.getByTestId('pin-check-username').fill(username);
      await page.getByTestId('pin-check-pin').fill(pin);
      await page.getByTestId('pin-check-submit').click();
    };
    await check('caller', '35817294');
    await expect.poll(() => page.getByTestId('pin-check-result').getAttribute('data-valid')).toBe('true');
    expect(await page.getByTestId('pin-check-pin').inputValue()).toBe(''); // not left on screen

    await check('caller', '35817295');
    await expect.poll(() => page.getByTestId('pin-check-result').getAttribute('data-valid')).toBe('false');
    expect(await page.getByTestId('pin-check-result').textContent()).toBe(en.admin.support.invalid);

    await check('caller', '1234');
    await expect.poll(() => page.getByTestId('pin-check').textContent()).toContain(en.errors.field.pin_invalid);
  });

  it('takes part in the network only after accepting its terms, and shows the record', async () => {
    const { page } = harness;
    await page.getByTestId('nav-account').click();
    // A click asks for the terms; the switch stays off until they are accepted.
    await page.getByTestId('network-switch').click();
    await page.getByTestId('network-terms').waitFor();
    expect(await page.getByTestId('network-join').isDisabled()).toBe(true);
    expect(await page.getByTestId('network-switch').isChecked()).toBe(false);
    await page.getByTestId('network-accept').check();
    await page.getByTestId('network-join').click();
    await expect.poll(() => page.getByTestId('network-switch').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('network-record').textContent()).toContain('2026-11');
  });
});
