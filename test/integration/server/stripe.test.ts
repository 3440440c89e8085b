/**
 * The Stripe adapter (issue 11) against a local stand-in of the Stripe endpoints it calls, through the
 * official SDK: the checkout opens Stripe's hosted page (one session per idempotency key), a forged or
 * unsigned webhook is refused and logged and changes nothing, a signed `checkout.session.completed`
 * delivered twice at once completes the payment once (one invoice), the app's polling learns of a payment
 * whose webhook is late, renewals charge the saved card off session with our payment's id as Stripe's
 * idempotency key, and a declined renewal leaves the subscription past due.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';
import { startStripeStandIn, type StripeStandIn } from '../../harness/stripeStandIn';

const SECRET = 'whsec_test_0123456789abcdef';
let f: ServerFixture;
let stripe: StripeStandIn;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  f = await startServerFixture({
    flags: [
      '--stripe-secret-key=sk_test_clinicdesk_0001',
      `--stripe-webhook-secret=${SECRET}`,
      `--stripe-api-base=${stripe.base}`,
    ],
  });
});
afterAll(async () => {
  await f?.close();
  await stripe?.close();
});

describe('Stripe', () => {
  it('hosted checkout, signed webhooks once, forged ones refused, renewals off session', async () => {
    const username = 'stripe.practice';
    let session = await f.registered(username);
    const signInAgain = async () => {
      session = (await f.api('POST', '/api/auth/sign-in', { username, password: 'Correct-Horse-7-Battery' }))
        .body as typeof session;
    };
    const api = (method: string, path: string, body?: unknown) => f.api(method, path, body, session.accessToken);
    await f.db.updateTable('accounts').set({ country: 'SE' }).where('username', '=', username).execute();
    const { id } = await f.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    const owner = `acct:${id}`;
    expect((await api('GET', '/api/billing/plans')).body.provider).toBe('stripe');

    // The checkout: no card reaches us; Stripe's hosted page does the card entry. A double click is one session.
    const [first, second] = await Promise.all(
      [1, 2].map(() => api('POST', '/api/billing/checkout', { plan: 'flex', idempotencyKey: 'stripe-checkout-0001' })),
    );
    // Whichever request lost the race answers with the same payment: waiting in Stripe's checkout (with
    // its address), or still `pending` while the winner talks to Stripe (the app then asks again).
    const answers = [first!.body, second!.body];
    for (const answer of answers) {
      expect(['redirect', 'pending']).toContain(answer.status);
      expect(answer.subscription.status).toBe('trialing');
    }
    expect(second!.body.paymentId).toBe(first!.body.paymentId);
    const withUrl = answers.filter((a) => a.url !== undefined);
    expect(withUrl.length).toBeGreaterThanOrEqual(1);
    for (const answer of withUrl) expect(answer.url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    const paymentId = first!.body.paymentId as string;
    // Asked again, the waiting payment gives its checkout's address.
    expect((await api('GET', `/api/billing/payments/${paymentId}`)).body.url).toBe(withUrl[0]!.url);
    const creates = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST');
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({
      authorization: 'Bearer sk_test_clinicdesk_0001',
      idempotencyKey: `checkout-${paymentId}`,
      params: {
        mode: 'payment',
        'metadata[paymentId]': paymentId,
        // SEK 440.00 + Swedish VAT 25 % = 550.00, in öre.
        'line_items[0][price_data][unit_amount]': '55000',
        'line_items[0][price_data][currency]': 'sek',
        'payment_intent_data[setup_future_usage]': 'off_session',
      },
    });
    expect(creates[0]!.params.success_url).toContain(`/billing/return?payment=${paymentId}`);
    const returnPage = await f.api('GET', `/billing/return?payment=${paymentId}&outcome=success`);
    expect(returnPage.body.text).toContain(`clinicdesk://billing?payment=${paymentId}`);

    const sessionId = [...stripe.sessions.keys()][0]!;
    const completed = stripe.pay(sessionId, { brand: 'mastercard', last4: '4444' });
    const webhook = `${f.base}/api/billing/stripe/webhook`;

    // Forged (wrong secret) and unsigned: refused, logged, nothing changes.
    expect((await stripe.deliver(webhook, completed, 'whsec_wrong_secret_000')).status).toBe(400);
    const unsigned = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(completed),
    });
    expect(unsigned.status).toBe(400);
    expect(f.logs.join('')).toContain('billing webhook refused');
    expect(f.logs.join('')).not.toContain(SECRET);
    expect(
      (await f.db.selectFrom('payments').select('status').where('id', '=', paymentId).executeTakeFirstOrThrow()).status,
    ).toBe('redirect');

    // The genuine event, delivered twice at the same moment: applied once.
    const deliveries = await Promise.all([
      stripe.deliver(webhook, completed, SECRET),
      stripe.deliver(webhook, completed, SECRET),
    ]);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200]);
    const sub = (await api('GET', '/api/billing/subscription')).body;
    expect(sub).toMatchObject({ status: 'active', card: { brand: 'mastercard', last4: '4444' }, provider: 'stripe' });
    const invoices = await f.db
      .selectFrom('invoices')
      .select(['number', 'total_minor'])
      .where('owner', '=', owner)
      .execute();
    expect(invoices).toHaveLength(1);
    expect(Number(invoices[0]!.total_minor)).toBe(55000);
    expect(
      await f.db
        .selectFrom('billing_events')
        .select('id')
        .where('id', '=', `stripe:${(completed as { id: string }).id}`)
        .execute(),
    ).toHaveLength(1);
    // Once more, later: still nothing new.
    expect((await stripe.deliver(webhook, completed, SECRET)).status).toBe(200);
    expect(await f.db.selectFrom('invoices').select('id').where('owner', '=', owner).execute()).toHaveLength(1);

    // Renewal: the saved card, off session, our payment's id as the idempotency key.
    const row = await f.db.selectFrom('subscriptions').selectAll().where('owner', '=', owner).executeTakeFirstOrThrow();
    expect(row.provider_customer).toMatch(/^cus_test_/);
    expect(row.provider_method).toMatch(/^pm_test_/);
    f.clock.now = Number(row.current_period_end) + 1000;
    await Promise.all([f.server.housekeeping(), f.server.housekeeping()]);
    const charges = stripe.requests.filter((r) => r.path === '/v1/payment_intents' && r.method === 'POST');
    expect(charges).toHaveLength(1);
    const renewal = await f.db
      .selectFrom('payments')
      .select(['id', 'status'])
      .where('owner', '=', owner)
      .where('purpose', '=', 'renew')
      .executeTakeFirstOrThrow();
    expect(renewal.status).toBe('succeeded');
    expect(charges[0]).toMatchObject({
      // One key per daily attempt at this payment.
      idempotencyKey: `renew-${renewal.id}-${Math.floor(f.clock.now / 86_400_000)}`,
      params: {
        amount: '55000',
        currency: 'sek',
        customer: row.provider_customer,
        payment_method: row.provider_method,
        off_session: 'true',
        confirm: 'true',
      },
    });
    expect(await f.db.selectFrom('invoices').select('id').where('owner', '=', owner).execute()).toHaveLength(2);

    // The card now fails: the next renewal is declined, the subscription is past due and still usable.
    stripe.failingMethods.add(row.provider_method!);
    const renewed = await f.db
      .selectFrom('subscriptions')
      .select('current_period_end')
      .where('owner', '=', owner)
      .executeTakeFirstOrThrow();
    f.clock.now = Number(renewed.current_period_end) + 1000;
    await f.server.housekeeping();
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body).toMatchObject({ status: 'past_due', usable: true });
    expect(
      await f.db
        .selectFrom('payments')
        .select(['status', 'error'])
        .where('owner', '=', owner)
        .where('purpose', '=', 'renew')
        .orderBy('created_at')
        .execute(),
    ).toEqual([
      { status: 'succeeded', error: null },
      { status: 'pending', error: 'generic_decline' },
    ]);
    // The card is then removed at Stripe: an error, not a decline — it counts as a failed attempt too,
    // with a new idempotency key per day, and the grace period ends the subscription.
    stripe.removedMethods.add(row.provider_method!);
    f.clock.now += 86_400_000 + 1000;
    await f.server.housekeeping();
    const attempts = stripe.requests.filter((r) => r.path === '/v1/payment_intents' && r.method === 'POST');
    expect(new Set(attempts.slice(-2).map((r) => r.idempotencyKey)).size).toBe(2);
    f.clock.now = Number(renewed.current_period_end) + 8 * 86_400_000;
    await f.server.housekeeping();
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body).toMatchObject({ status: 'canceled', usable: false });
  });

  it('learns of a paid checkout by asking Stripe when the webhook is late, and an expired checkout declines', async () => {
    const username = 'stripe.polling';
    const session = await f.registered(username);
    const api = (method: string, path: string, body?: unknown) => f.api(method, path, body, session.accessToken);
    const started = await api('POST', '/api/billing/checkout', {
      plan: 'flex',
      idempotencyKey: 'stripe-polling-00001',
    });
    expect(started.body.status).toBe('redirect');
    const sessionId = new URL(started.body.url as string).pathname.split('/').at(-1)!;
    expect((await api('GET', `/api/billing/payments/${started.body.paymentId as string}`)).body.status).toBe(
      'redirect',
    );
    stripe.pay(sessionId);
    const polled = await api('GET', `/api/billing/payments/${started.body.paymentId as string}`);
    expect(polled.body).toMatchObject({ status: 'succeeded', subscription: { status: 'active' } });

    const other = await f.registered('stripe.expiring');
    const attempt = await f.api(
      'POST',
      '/api/billing/checkout',
      { plan: 'flex', idempotencyKey: 'stripe-expiring-0001' },
      other.accessToken,
    );
    const expired = stripe.expire(new URL(attempt.body.url as string).pathname.split('/').at(-1)!);
    expect((await stripe.deliver(`${f.base}/api/billing/stripe/webhook`, expired, SECRET)).status).toBe(200);
    expect(
      (
        await f.db
          .selectFrom('payments')
          .select('status')
          .where('id', '=', attempt.body.paymentId as string)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('declined');
    expect((await f.api('GET', '/api/billing/subscription', undefined, other.accessToken)).body.status).toBe(
      'trialing',
    );
  });
});
