/**
 * Paying through Stripe from the app (issue 11), in real Chromium against the real server, whose Stripe
 * adapter talks to a local stand-in of Stripe's API: the checkout has no card fields (card entry happens
 * on Stripe's page), "Pay" opens that page in the system browser (and nothing else), the app waits and
 * asks, the customer pays there, the subscription turns active; the clinicdesk://billing link Stripe's
 * return page leads to brings the subscription up.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { startStripeStandIn, type StripeStandIn } from '../harness/stripeStandIn';
import { signedInApp } from '../harness/signedInApp';
import type { Harness } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;
let stripe: StripeStandIn;
let harness: Harness;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  server = await startServerFixture({
    flags: [
      '--stripe-secret-key=sk_test_clinicdesk_e2e1',
      '--stripe-webhook-secret=whsec_test_e2e_000000001',
      `--stripe-api-base=${stripe.base}`,
    ],
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
  await stripe?.close();
});

describe('Stripe checkout from the app', () => {
  it("opens Stripe's page in the browser, waits, and shows the subscription active once paid there", async () => {
    const username = 'praxis.stripe';
    await server.registered(username);
    harness = await signedInApp(browser, server.base, username, 'account');
    const page = harness.page;
    await page.getByTestId('checkout').waitFor();
    expect(await page.getByTestId('card-number').count()).toBe(0);
    expect(await page.getByTestId('test-mode').count()).toBe(0);
    await page.getByTestId('plan-flex').check();
    await page.getByTestId('pay').click();
    await page.getByTestId('checkout-waiting').waitFor();
    await expect.poll(() => harness.openedLinks.length).toBe(1);
    expect(harness.openedLinks[0]).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);

    // The customer pays on Stripe's page; the app learns of it by asking (no webhook here).
    const sessionId = [...stripe.sessions.keys()].at(-1)!;
    stripe.pay(sessionId, { brand: 'visa', last4: '4242' });
    await expect.poll(() => page.getByTestId('subscription-status').textContent(), { timeout: 15_000 }).toBe('Active');
    expect(await page.getByTestId('subscription-card').textContent()).toContain('Visa •••• 4242');

    // Stripe's return page leads back into the app with clinicdesk://billing: the subscription, no wizard.
    await harness.open('agenda');
    harness.openRegistrationLink(`clinicdesk://billing?payment=${stripe.sessions.get(sessionId)!.metadata.paymentId}`);
    await page.getByTestId('subscription-card').waitFor();
    expect(await page.getByTestId('subscription-status').textContent()).toBe('Active');
    expect(harness.openedLinks).toHaveLength(1);
  });
});
