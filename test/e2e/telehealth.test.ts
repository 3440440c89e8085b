/**
 * Telehealth Pro in the app (issue 12), real Chromium over the real core and server: the minutes next to
 * the call buttons; with the 60 trial minutes used up, inviting a patient is refused with "Add Telehealth
 * Pro"; the help page's flow — Subscription → "Manage my add-ons" → "Manage add-ons" → select Telehealth
 * Pro → "Add" → "Update subscription" — charges the rest of the period pro rata and gives 2,000 minutes.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCardToken } from '../../protocol/card';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { signedInApp } from '../harness/signedInApp';
import type { Harness } from '../harness/testBridge';

const DAY = 86_400_000;
let browser: Browser;
let server: ServerFixture;
let harness: Harness;

beforeAll(async () => {
  server = await startServerFixture();
  browser = await launchChromium();
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
});

describe('Telehealth Pro in the app', () => {
  it('minutes next to the call button, refused without minutes, the manage-add-ons flow, minutes back', async () => {
    const username = 'dr.minutes';
    const tokens = await server.registered(username);
    const { id } = await server.db
      .updateTable('accounts')
      .set({ country: 'AT', language: 'en' })
      .where('username', '=', username)
      .returning('id')
      .executeTakeFirstOrThrow();
    const card = testCardToken({ number: '4242424242424242', expiry: '12/34', cvc: '123' }, server.clock.now)!;
    const paid = await server.api(
      'POST',
      '/api/billing/checkout',
      { plan: 'flex', card, idempotencyKey: 'e2e-minutes-flex-1' },
      tokens.accessToken,
    );
    const periodEnd = paid.body.subscription.currentPeriodEnd as number;
    // The 60 trial minutes go in an hour-long consultation.
    await server.server.telehealth.connected({
      id: crypto.randomUUID(),
      hostId: id,
      organisationId: null,
      kind: 'guest',
    });
    const open = await server.db
      .selectFrom('video_sessions')
      .select('id')
      .where('host_id', '=', id)
      .executeTakeFirstOrThrow();
    server.clock.now += 60 * 60_000;
    await server.server.telehealth.ended(open.id);
    server.clock.now += 10 * DAY;

    harness = await signedInApp(browser, server.base, username, 'calls');
    const page = harness.page;
    await expect.poll(() => page.getByTestId('video-minutes').textContent()).toBe('Video minutes: 0 minutes left');

    await page.getByTestId('invite-label').fill('Frau Berger');
    await page.getByTestId('invite-create').click();
    await page.getByTestId('add-telehealth').waitFor();
    expect(await page.getByTestId('form-error').textContent()).toContain('Add Telehealth Pro');
    expect(await page.getByTestId('invitation').count()).toBe(0);
    await page.getByTestId('add-telehealth').click();

    await page.getByTestId('subscription-card').waitFor();
    await page.getByTestId('addons-open').click();
    expect(await page.getByTestId('addons-left').textContent()).toBe('0 minutes');
    await page.getByTestId('addons-manage').click();
    await page.getByTestId('addon-telehealth-select').check();
    await page.getByTestId('addon-add').click();
    // 29.00 a month; the rest of the period by the day, half up.
    const usage = (await page.evaluate(() => window.clinic.telehealth.usage())) as {
      ok: true;
      value: { proratedMinor: number };
    };
    const prorated = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(
      usage.value.proratedMinor / 100,
    );
    expect(await page.getByTestId('addon-review').textContent()).toContain(`Telehealth Pro: ${prorated} now`);
    await page.getByTestId('addon-update').click();
    await expect
      .poll(() => page.getByTestId('addon-active').textContent())
      .toBe('Telehealth Pro is active: 2000 minutes per period.');
    const addonPayments = await server.db
      .selectFrom('payments')
      .select('amount_minor')
      .where('owner', '=', `acct:${id}`)
      .where('purpose', '=', 'addon')
      .execute();
    // Austrian VAT 20 % on the prorated price.
    expect(addonPayments.map((p) => Number(p.amount_minor))).toEqual([
      usage.value.proratedMinor + Math.floor((usage.value.proratedMinor * 2000 + 5000) / 10_000),
    ]);

    await harness.open('calls');
    const resets = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(periodEnd);
    await expect
      .poll(() => page.getByTestId('video-minutes').textContent())
      .toBe(`Video minutes: 2000 minutes left · start again on ${resets}`);
    await page.getByTestId('invite-label').fill('Frau Berger');
    await page.getByTestId('invite-create').click();
    await page.getByTestId('invitation').waitFor();
  });
});
