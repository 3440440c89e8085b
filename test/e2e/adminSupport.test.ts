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
  return tokens.accessToken;
}
let callerToken = '';

beforeAll(async () => {
  server = await startServerFixture({ realClock: true });
  browser = await launchChromium();
  harness = await startHarness({ browser, osLocales: ['en-US'], serverUrl: server.base });
  await registered('support@clinicdesk.example', 'support.desk', 'service_admin', '40718253');
  callerToken = await registered('caller@praxis.example', 'caller', 'member', '35817294');
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
});

describe('support PIN check, credits and account settings', () => {
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

  it('shows any practice’s credits to the service desk and moves credits between its tenants', async () => {
    const { page } = harness;
    // The caller's practice as its workstation synced it: two tenants; 500 credits bought for the first.
    const [first, second] = ['01900000-0000-7000-8000-00000000a001', '01900000-0000-7000-8000-00000000a002'];
    const stamp = `${Date.now().toString(36).padStart(9, '0')}:00000:callerdesk`;
    const tenant = (id: string, name: string) => ({
      table: 'tenants',
      id,
      fields: { name: { v: name, s: stamp }, sms_credits: { v: 0, s: stamp } },
    });
    const pushed = await server.api(
      'POST',
      '/api/sync/push',
      {
        deviceId: 'callerdesk',
        fromSeq: 1,
        toSeq: 2,
        changes: [tenant(first, 'Dr. Anders'), tenant(second, 'Dr. Berg')],
      },
      callerToken,
    );
    expect(pushed.status).toBe(200);
    const ordered = await server.api(
      'POST',
      '/api/credits/orders',
      { tenantId: first, pack: 'sms-500', idempotencyKey: 'caller-order-000001' },
      callerToken,
    );
    expect(ordered.status).toBe(201);
    const me = (await server.api('GET', '/api/account/me', undefined, callerToken)).body as { id: string };

    await page.getByTestId('admin-tab-credits').click();
    await page.getByTestId('desk-practice').fill(`acct:${me.id}`);
    await page.getByTestId('desk-find').click();
    await expect.poll(() => page.getByTestId(`desk-tenant-${first}`).textContent()).toContain('500');
    await page.getByTestId('desk-to-tenant').fill(second);
    await page.getByTestId('desk-amount').fill('1.5');
    await page.getByTestId('desk-move').click();
    await expect.poll(() => page.getByTestId('desk-transfer').textContent()).toContain(en.errors.field.amount_invalid);
    await page.getByTestId('desk-amount').fill('120');
    await page.getByTestId('desk-note').fill('Split after the move to two rooms');
    await page.getByTestId('desk-move').click();
    await expect.poll(() => page.getByTestId('desk-moved').textContent()).toContain('380');
    await expect.poll(() => page.getByTestId(`desk-tenant-${second}`).textContent()).toContain('120');
    const ledger = (await server.api('GET', `/api/credits/${second}/ledger`, undefined, callerToken)).body as {
      entries: { kind: string; amount: number; note: string }[];
    };
    expect(ledger.entries).toMatchObject([
      { kind: 'transfer_in', amount: 120, note: 'Split after the move to two rooms' },
    ]);
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
