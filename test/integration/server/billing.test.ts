/**
 * The base of subscriptions (issue 11) on the real database (SQLite here, PostgreSQL in the integration-pg
 * project): invoice numbers stay gapless when payments complete at the same moment and when one rolls
 * back, and a voucher's last redemption goes to exactly one of many racing checkouts, with each reason a
 * voucher cannot be used reported as its own error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextInvoiceNumber } from '../../../server/billing/invoiceNumbers';
import { addMonths, planIn } from '../../../server/billing/plans';
import { testCardToken } from '../../../protocol/card';
import { runBillingCommand } from '../../../server/billing/billingCommands';
import { VoucherService } from '../../../server/billing/vouchers';
import { configSchema } from '../../../server/config';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';
import { pdfText } from '../../harness/pdfText';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

const DAY = 86_400_000;

const plans = configSchema.parse({ dataDir: '/tmp/x', webDir: '/tmp/x' }).billingPlans;

describe('invoice numbers', () => {
  it('are sequential without gaps when twenty payments complete at once and some roll back', async () => {
    const at = Date.UTC(2031, 2, 1);
    const attempt = async (i: number) => {
      try {
        await f.db.transaction().execute(async (trx) => {
          const { number, seq, year } = await nextInvoiceNumber(trx, at);
          if (i % 4 === 3) throw new Error('the payment failed after taking a number');
          await trx
            .insertInto('invoices')
            .values({
              id: randomUUID(),
              number,
              year,
              seq,
              owner: `acct:${randomUUID()}`,
              payment_id: randomUUID(),
              language: 'en',
              currency: 'EUR',
              customer: '{}',
              lines: '[]',
              net_minor: 100,
              vat_rate_bp: 1900,
              vat_minor: 19,
              total_minor: 119,
              period_start: null,
              period_end: null,
              issued_at: at,
            })
            .execute();
        });
        return true;
      } catch {
        return false;
      }
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(i)));
    expect(results.filter(Boolean)).toHaveLength(15);
    const rows = await f.db.selectFrom('invoices').select(['seq', 'number']).where('year', '=', 2031).execute();
    const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(rows.map((r) => r.number)).toContain('2031-000015');
    // A new year starts again at 1.
    const next = await f.db.transaction().execute((trx) => nextInvoiceNumber(trx, Date.UTC(2032, 0, 1)));
    expect(next.number).toBe('2032-000001');
  });
});

describe('vouchers', () => {
  it('gives each reason its own error and the last redemption to exactly one of ten racing checkouts', async () => {
    const vouchers = new VoucherService(f.db, () => f.clock.now);
    const flex = planIn(plans, 'flex', 'EUR')!;
    const yearly = planIn(plans, 'yearly', 'EUR')!;
    const now = f.clock.now;
    await vouchers.create({ code: 'spring20', kind: 'percent', value: 2000, maxRedemptions: 1 }, null);
    await vouchers.create({ code: 'OLD', kind: 'percent', value: 1000, validTo: now - DAY }, null);
    await vouchers.create({ code: 'LATER', kind: 'percent', value: 1000, validFrom: now + DAY }, null);
    await vouchers.create({ code: 'FLEXONLY', kind: 'amount', value: 500, currency: 'EUR', plans: ['flex'] }, null);
    await vouchers.create({ code: 'FREE2', kind: 'months', value: 2 }, null);

    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => 'ok',
        (error: { code?: string }) => error.code,
      );
    expect(await code(vouchers.check('NOPE', flex))).toBe('voucher_unknown');
    expect(await code(vouchers.check('OLD', flex))).toBe('voucher_expired');
    expect(await code(vouchers.check('LATER', flex))).toBe('voucher_expired');
    expect(await code(vouchers.check('FLEXONLY', yearly))).toBe('voucher_wrong_plan');
    expect(await code(vouchers.check('FLEXONLY', planIn(plans, 'flex', 'CHF')!))).toBe('voucher_wrong_plan');
    expect(await code(vouchers.check('FREE2', yearly))).toBe('voucher_wrong_plan');
    expect(await vouchers.check('SPRING20', flex)).toEqual({ code: 'SPRING20', kind: 'percent', value: 2000 });

    const race = await Promise.all(
      Array.from({ length: 10 }, () => code(f.db.transaction().execute((trx) => vouchers.reserve(trx, 'SPRING20')))),
    );
    expect(race.filter((r) => r === 'ok')).toHaveLength(1);
    expect(race.filter((r) => r === 'voucher_used_up')).toHaveLength(9);
    expect(await code(vouchers.check('SPRING20', flex))).toBe('voucher_used_up');
    // A declined payment gives its reservation back.
    await f.db.transaction().execute((trx) => vouchers.release(trx, 'SPRING20'));
    expect((await vouchers.find('SPRING20'))?.redemptions).toBe(0);
  });
});

describe('plans and the checkout preview over HTTP', () => {
  it("prices in the account's currency with its VAT, shows a voucher's effect, and names each voucher error", async () => {
    const session = await f.registered('preview.de');
    await f.db.updateTable('accounts').set({ country: 'DE' }).where('username', '=', 'preview.de').execute();
    const plansAnswer = await f.api('GET', '/api/billing/plans', undefined, session.accessToken);
    expect(plansAnswer.status).toBe(200);
    expect(plansAnswer.body.vatRateBp).toBe(1900);
    expect(plansAnswer.body.plans.map((p: { id: string; currency: string }) => `${p.id}:${p.currency}`)).toEqual([
      'flex:EUR',
      'yearly:EUR',
    ]);

    const vouchers = new VoucherService(f.db, () => f.clock.now);
    await vouchers.create({ code: 'PREVIEW20', kind: 'percent', value: 2000 }, null);
    const quote = await f.api(
      'POST',
      '/api/billing/quote',
      { plan: 'flex', voucher: 'preview20' },
      session.accessToken,
    );
    expect(quote.status).toBe(200);
    expect([quote.body.netMinor, quote.body.vatMinor, quote.body.totalMinor]).toEqual([3120, 593, 3713]);
    // A preview redeems nothing.
    expect((await vouchers.find('PREVIEW20'))?.redemptions).toBe(0);

    const refused = async (body: object) => (await f.api('POST', '/api/billing/quote', body, session.accessToken)).body;
    expect((await refused({ plan: 'flex', voucher: 'NO-SUCH' })).error.code).toBe('voucher_unknown');
    expect((await refused({ plan: 'organisation' })).error.code).toBe('plan_unavailable');
    expect((await refused({ plan: 'flex', voucher: '<script>' })).error.issues[0].code).toBe('voucher_unknown');

    // Vouchers are the service desk's.
    const create = await f.api(
      'POST',
      '/api/admin/vouchers',
      { code: 'MINE', kind: 'percent', value: 10000 },
      session.accessToken,
    );
    expect(create.status).toBe(403);
    expect(await vouchers.find('MINE')).toBeNull();
    expect((await f.api('GET', '/api/admin/vouchers', undefined, session.accessToken)).status).toBe(403);
  });
});

describe('subscription over HTTP with the test provider', () => {
  it('trial → expired → declined and failed 3-D Secure change nothing → double pay charges once → cancel → reactivate', async () => {
    const card = (number: string) => testCardToken({ number, expiry: '12/34', cvc: '123' }, f.clock.now)!;
    let session = await f.registered('subscriber.de');
    await f.db.updateTable('accounts').set({ country: 'DE' }).where('username', '=', 'subscriber.de').execute();
    const api = (method: string, path: string, body?: unknown) => f.api(method, path, body, session.accessToken);
    // Access tokens last 15 minutes: after the clock moves on, sign in again.
    const signInAgain = async () => {
      session = (
        await f.api('POST', '/api/auth/sign-in', { username: 'subscriber.de', password: 'Correct-Horse-7-Battery' })
      ).body as typeof session;
    };
    const registeredAt = Number(
      (
        await f.db
          .selectFrom('accounts')
          .select('registered_at')
          .where('username', '=', 'subscriber.de')
          .executeTakeFirstOrThrow()
      ).registered_at,
    );

    const trial = (await api('GET', '/api/billing/subscription')).body;
    expect(trial).toMatchObject({ status: 'trialing', plan: null, usable: true, managedBy: null, provider: 'test' });
    expect(trial.trialEndsAt).toBe(registeredAt + 14 * DAY);
    f.clock.now = trial.trialEndsAt;
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body).toMatchObject({ status: 'expired', usable: false });

    const vouchers = new VoucherService(f.db, () => f.clock.now);
    await vouchers.create({ code: 'TWENTY', kind: 'percent', value: 2000, maxRedemptions: 5 }, null);
    const checkout = (number: string, key: string) =>
      api('POST', '/api/billing/checkout', {
        plan: 'flex',
        voucher: 'TWENTY',
        card: card(number),
        idempotencyKey: key,
      });

    const declined = await checkout('4000000000000002', 'declined-000000001');
    expect(declined).toMatchObject({ status: 402, body: { error: { code: 'card_declined' } } });
    const secure = await checkout('4000000000003220', 'threeds-0000000001');
    expect(secure.body.status).toBe('requires_action');
    const rejected = await api('POST', `/api/billing/payments/${secure.body.paymentId}/confirm`, { approve: false });
    expect(rejected).toMatchObject({ status: 402, body: { error: { code: 'card_declined' } } });
    expect((await api('GET', '/api/billing/subscription')).body.status).toBe('expired');
    expect((await vouchers.find('TWENTY'))?.redemptions).toBe(0);
    expect((await api('GET', '/api/billing/invoices')).body.invoices).toEqual([]);

    // A double click: two requests with one key at the same moment are one payment and one invoice.
    const [a, b] = await Promise.all([
      checkout('4242424242424242', 'pay-once-00000001'),
      checkout('4242424242424242', 'pay-once-00000001'),
    ]);
    expect(a.body.paymentId).toBe(b.body.paymentId);
    expect([a.body.status, b.body.status]).toContain('succeeded');
    const active = (await api('GET', '/api/billing/subscription')).body;
    expect(active).toMatchObject({ status: 'active', usable: true, card: { brand: 'visa', last4: '4242' } });
    expect(active.plan.id).toBe('flex');
    expect(active.currentPeriodEnd).toBe(addMonths(f.clock.now, 1));
    expect((await vouchers.find('TWENTY'))?.redemptions).toBe(1);
    const invoices = (await api('GET', '/api/billing/invoices')).body.invoices;
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ currency: 'EUR', totalMinor: 3713 });
    // The PDF, read by an independent reader (pdf.js): the account's language (German), discount, VAT, total.
    const pdf = (await api('GET', `/api/billing/invoices/${invoices[0].id}/pdf`)).body;
    expect(pdf.filename).toBe(`invoice-${invoices[0].number}.pdf`);
    const text = await pdfText(Buffer.from(pdf.pdfBase64, 'base64'));
    expect(text).toContain(`Rechnungsnummer ${invoices[0].number}`);
    expect(text).toContain('Gutschein TWENTY');
    expect(text).toMatch(/-7,80 €/);
    expect(text).toMatch(/MwSt\. 19 %\s+5,93 €/);
    expect(text).toMatch(/Gesamtbetrag\s+37,13 €/);
    expect(
      (
        await api('POST', '/api/billing/checkout', {
          plan: 'flex',
          card: card('4242424242424242'),
          idempotencyKey: 'again-000000000001',
        })
      ).body.error.code,
    ).toBe('already_subscribed');

    // A 3-D Secure card approved at the bank works too (for someone else).
    const other = await f.registered('secure.buyer');
    const otherApi = (method: string, path: string, body?: unknown) => f.api(method, path, body, other.accessToken);
    const pending = await otherApi('POST', '/api/billing/checkout', {
      plan: 'flex',
      card: card('4000000000003220'),
      idempotencyKey: 'threeds-approved-01',
    });
    expect(pending.body.status).toBe('requires_action');
    // Another account cannot confirm it.
    expect(
      (await api('POST', `/api/billing/payments/${pending.body.paymentId}/confirm`, { approve: true })).status,
    ).toBe(404);
    const approved = await otherApi('POST', `/api/billing/payments/${pending.body.paymentId}/confirm`, {
      approve: true,
    });
    expect(approved.body).toMatchObject({ status: 'succeeded', subscription: { status: 'active' } });

    // Cancel: a no-lock-in plan runs to its period end; reactivate before it; after it, it has ended.
    const cancelled = (await api('POST', '/api/billing/subscription/cancel')).body;
    expect(cancelled).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, endsAt: active.currentPeriodEnd });
    const resumed = (await api('POST', '/api/billing/subscription/reactivate')).body;
    expect(resumed).toMatchObject({ status: 'active', cancelAtPeriodEnd: false, endsAt: null });
    await api('POST', '/api/billing/subscription/cancel');
    f.clock.now = active.currentPeriodEnd;
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body).toMatchObject({ status: 'canceled', usable: false });
    expect((await api('POST', '/api/billing/subscription/reactivate')).body.error.code).toBe('subscription_ended');
    // Ending is not deleting: the account signs in and its invoices are there.
    expect((await api('GET', '/api/billing/invoices')).body.invoices).toHaveLength(1);
  });
});

describe('an organisation', () => {
  it('pays per licensed seat on one invoice, and its members see who manages their subscription', async () => {
    const boss = await f.registered('org.boss');
    await f.db.updateTable('accounts').set({ country: 'CH' }).where('username', '=', 'org.boss').execute();
    const org = (await f.api('POST', '/api/account/organisation', { name: 'Praxis Seeblick' }, boss.accessToken))
      .body as { id: string };
    // Two colleagues with a licence, one without, and the member below: three more seats.
    for (const [i, licence] of [
      [1, true],
      [2, true],
      [3, false],
    ] as const)
      await f.server.accounts.invite({
        email: `seat${i}@seeblick.example`,
        role: 'member',
        organisationId: org.id,
        language: 'de',
        licence,
      });
    const memberTokens = await f.registered('seeblick.member', undefined, org.id);
    const plans = (await f.api('GET', '/api/billing/plans', undefined, boss.accessToken)).body;
    expect(plans.plans.map((p: { id: string }) => p.id)).toEqual(['organisation']);
    expect(plans.vatRateBp).toBe(810);
    const paid = await f.api(
      'POST',
      '/api/billing/checkout',
      {
        plan: 'organisation',
        card: testCardToken({ number: '5555 5555 5555 4444', expiry: '12/34', cvc: '123' }, f.clock.now),
        idempotencyKey: 'org-checkout-000001',
      },
      boss.accessToken,
    );
    expect(paid.body.status).toBe('succeeded');
    expect(paid.body.subscription).toMatchObject({ seats: 4, managedBy: null, canManage: true });
    const invoices = (await f.api('GET', '/api/billing/invoices', undefined, boss.accessToken)).body.invoices;
    // 4 seats × 29.00 CHF = 116.00, VAT 8.1 % = 9.396 → 9.40, total 125.40.
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ currency: 'CHF', totalMinor: 12540 });

    const seen = (await f.api('GET', '/api/billing/subscription', undefined, memberTokens.accessToken)).body;
    expect(seen).toMatchObject({ status: 'active', managedBy: { name: 'Praxis Seeblick' }, canManage: false });
    const cancel = await f.api('POST', '/api/billing/subscription/cancel', undefined, memberTokens.accessToken);
    expect(cancel).toMatchObject({ status: 403, body: { error: { code: 'subscription_managed' } } });
    // The organisation's plan has a minimum term of 12 months: a cancellation ends at its earliest period end.
    const ending = (await f.api('POST', '/api/billing/subscription/cancel', undefined, boss.accessToken)).body;
    expect(ending.endsAt).toBe(addMonths(paid.body.subscription.currentPeriodEnd, 11));
    expect(ending.status).toBe('active');
    // Until that end the paid periods go on: the next period is renewed (and charged) as before.
    f.clock.now = paid.body.subscription.currentPeriodEnd + 1000;
    await f.server.housekeeping();
    const boss2 = (
      await f.api('POST', '/api/auth/sign-in', { username: 'org.boss', password: 'Correct-Horse-7-Battery' })
    ).body as { accessToken: string };
    const renewed = (await f.api('GET', '/api/billing/subscription', undefined, boss2.accessToken)).body;
    expect(renewed).toMatchObject({ status: 'active', endsAt: ending.endsAt });
    expect(renewed.currentPeriodEnd).toBe(addMonths(paid.body.subscription.currentPeriodEnd, 1));
    expect((await f.api('GET', '/api/billing/invoices', undefined, boss2.accessToken)).body.invoices).toHaveLength(2);
  });
});

describe('renewals, trial reminders and the gate', () => {
  it('mails 3 days and 1 day before the trial ends (once each), gates invitations after it, renews with the saved card once per period', async () => {
    const card = (number: string) => testCardToken({ number, expiry: '12/34', cvc: '123' }, f.clock.now)!;
    const username = 'renewing.ch';
    let session = await f.registered(username);
    const email = `${username}@praxis.example`;
    await f.db.updateTable('accounts').set({ country: 'CH' }).where('username', '=', username).execute();
    const api = (method: string, path: string, body?: unknown) => f.api(method, path, body, session.accessToken);
    const signInAgain = async () => {
      session = (await f.api('POST', '/api/auth/sign-in', { username, password: 'Correct-Horse-7-Battery' }))
        .body as typeof session;
    };
    const mails = () => f.inbox.filter((m) => m.to === email && /Testphase/.test(m.raw)).length;
    const { registered_at: registeredAt } = await f.db
      .selectFrom('accounts')
      .select('registered_at')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    // Looked at first two days later, the trial still counts from the registration.
    f.clock.now += 2 * DAY;
    await signInAgain();
    const trial = (await api('GET', '/api/billing/subscription')).body;
    expect(trial.trialEndsAt).toBe(Number(registeredAt) + 14 * DAY);

    // In the account's language (German here). Four days before the end: nothing yet; three days: one mail, however often the housekeeping runs.
    f.clock.now = trial.trialEndsAt - 4 * DAY;
    await f.server.housekeeping();
    expect(mails()).toBe(0);
    f.clock.now = trial.trialEndsAt - 3 * DAY + 60_000;
    await f.server.housekeeping();
    await f.server.housekeeping();
    await expect.poll(mails).toBe(1);
    expect(f.mailTo(email)).toContain('Ihre ClinicDesk-Testphase endet in 3 Tagen');
    f.clock.now = trial.trialEndsAt - DAY + 60_000;
    await Promise.all([f.server.housekeeping(), f.server.housekeeping()]);
    await expect.poll(mails).toBe(2);
    expect(f.mailTo(email)).toContain('Ihre ClinicDesk-Testphase endet morgen');

    // Inviting a patient works in the trial, and is refused once it has ended; nothing is deleted.
    await signInAgain();
    expect((await api('POST', '/api/calls/invitations', { label: 'Trial' })).status).toBe(201);
    f.clock.now = trial.trialEndsAt + 1;
    await signInAgain();
    const gated = await api('POST', '/api/calls/invitations', { label: 'After' });
    expect(gated).toMatchObject({ status: 402, body: { error: { code: 'subscription_required' } } });
    await f.server.housekeeping();
    expect(mails()).toBe(2);

    // A card whose later charges fail (Stripe's 4000 0000 0000 0341): the first payment succeeds.
    const paid = await api('POST', '/api/billing/checkout', {
      plan: 'flex',
      card: card('4000000000000341'),
      idempotencyKey: 'renewal-first-0001',
    });
    expect(paid.body).toMatchObject({ status: 'succeeded', subscription: { status: 'active' } });
    expect((await api('POST', '/api/calls/invitations', { label: 'Paid' })).status).toBe(201);
    const periodEnd = paid.body.subscription.currentPeriodEnd as number;

    // The period ends; the renewal is declined: past due, still usable, one payment tried per day.
    f.clock.now = periodEnd + 1000;
    await Promise.all([f.server.housekeeping(), f.server.housekeeping()]);
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body).toMatchObject({ status: 'past_due', usable: true });
    const { id: accountId } = await f.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirstOrThrow();
    const owner = `acct:${accountId}`;
    const renewalsOf = () =>
      f.db
        .selectFrom('payments')
        .select(['status', 'error'])
        .where('owner', '=', owner)
        .where('purpose', '=', 'renew')
        .execute();
    expect(await renewalsOf()).toEqual([{ status: 'pending', error: 'card_declined' }]);
    // Past the grace period: the subscription ends at its period end, and the gate closes.
    f.clock.now = periodEnd + 7 * DAY + 1000;
    await f.server.housekeeping();
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body).toMatchObject({ status: 'canceled', usable: false });
    expect(await renewalsOf()).toEqual([{ status: 'declined', error: 'card_declined' }]);
    expect((await api('POST', '/api/calls/invitations', { label: 'Ended' })).status).toBe(402);

    // A new subscription with a good card renews itself once per period, however often the job runs.
    const again = await api('POST', '/api/billing/checkout', {
      plan: 'flex',
      card: card('4242424242424242'),
      idempotencyKey: 'renewal-second-001',
    });
    expect(again.body).toMatchObject({ status: 'succeeded', subscription: { status: 'active' } });
    const secondEnd = again.body.subscription.currentPeriodEnd as number;
    f.clock.now = secondEnd + 1000;
    await Promise.all([f.server.housekeeping(), f.server.housekeeping(), f.server.housekeeping()]);
    await signInAgain();
    const renewed = (await api('GET', '/api/billing/subscription')).body;
    expect(renewed).toMatchObject({ status: 'active', card: { brand: 'visa', last4: '4242' } });
    expect(renewed.currentPeriodEnd).toBe(addMonths(secondEnd, 1));
    const invoices = (await api('GET', '/api/billing/invoices')).body.invoices as { periodStart: number }[];
    expect(invoices.filter((i) => i.periodStart === secondEnd)).toHaveLength(1);
    expect(invoices).toHaveLength(3);

    // A cancelled subscription is not renewed: it ends at its period end.
    await api('POST', '/api/billing/subscription/cancel');
    f.clock.now = renewed.currentPeriodEnd + 1000;
    await f.server.housekeeping();
    await signInAgain();
    expect((await api('GET', '/api/billing/subscription')).body.status).toBe('canceled');
    expect((await api('GET', '/api/billing/invoices')).body.invoices).toHaveLength(3);
  });
});

describe("the service desk's billing commands", () => {
  it('create and list vouchers, refuse bad input with the usage and write nothing, mark a subscription Apple-billed', async () => {
    const lines: string[] = [];
    const run = (...args: string[]) =>
      runBillingCommand(
        args[0]!,
        args.slice(1),
        f.db,
        (line) => lines.push(line),
        () => f.clock.now,
      );
    await run('voucher-create', '--code=spring25', '--kind=percent', '--value=25', '--max=3', '--plans=flex,yearly');
    expect(lines.at(-1)).toBe('Created voucher SPRING25.');
    const created = (await new VoucherService(f.db, () => f.clock.now).list()).find((v) => v.code === 'SPRING25');
    expect(created).toMatchObject({ kind: 'percent', value: 2500, maxRedemptions: 3, plans: ['flex', 'yearly'] });
    await run('voucher-list');
    expect(lines.some((l) => l.includes('SPRING25') && l.includes('0/3') && l.includes('flex,yearly'))).toBe(true);

    const count = async () => (await f.db.selectFrom('vouchers').select('code').execute()).length;
    const before = await count();
    await expect(run('voucher-create', '--code=SPRING25', '--kind=percent', '--value=10')).rejects.toThrow(
      'a voucher SPRING25 exists already',
    );
    await expect(run('voucher-create', '--code=HALF', '--kind=percent', '--value=150')).rejects.toThrow('usage:');
    await expect(run('voucher-create', '--code=FIVE', '--kind=amount', '--value=500')).rejects.toThrow('currency');
    await expect(run('voucher-create', '--code=X1', '--kind=gift', '--value=5')).rejects.toThrow('usage:');
    await expect(
      run(
        'voucher-create',
        '--code=LATE',
        '--kind=months',
        '--value=1',
        '--valid-from=2027-02-01',
        '--valid-to=2027-01-01',
      ),
    ).rejects.toThrow();
    expect(await count()).toBe(before);

    const session = await f.registered('apple.import');
    await f.api('GET', '/api/billing/subscription', undefined, session.accessToken);
    const { id } = await f.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'apple.import')
      .executeTakeFirstOrThrow();
    await expect(run('subscription-source', `--owner=acct:${id}`, '--source=itunes')).rejects.toThrow('usage:');
    await run('subscription-source', `--owner=acct:${id}`, '--source=apple');
    expect((await f.api('GET', '/api/billing/subscription', undefined, session.accessToken)).body.billingSource).toBe(
      'apple',
    );
    await expect(run('subscription-source', `--owner=acct:${randomUUID()}`, '--source=apple')).rejects.toThrow(
      'no subscription',
    );
  });
});

describe("the service desk's overview", () => {
  it('counts subscriptions by their status now, lists trials ending within a week, sums revenue per month', async () => {
    const before = await f.server.subscriptions.overview();
    const soon = await f.registered('trial.soon');
    await f.api('GET', '/api/billing/subscription', undefined, soon.accessToken);
    await f.db.updateTable('accounts').set({ name: 'Praxis Bald' }).where('username', '=', 'trial.soon').execute();
    const overview = await f.server.subscriptions.overview();
    expect(overview.byStatus.trialing).toBe(before.byStatus.trialing + 1);
    // Registered now with 14 trial days: not ending this week; a week before its end, it is.
    expect(overview.trialsEndingThisWeek.some((t) => t.name === 'Praxis Bald')).toBe(false);
    f.clock.now += 8 * DAY;
    const later = await f.server.subscriptions.overview();
    expect(later.trialsEndingThisWeek.find((t) => t.name === 'Praxis Bald')?.trialEndsAt).toBeGreaterThan(f.clock.now);
    // Revenue: the invoices of the tests above, per month and currency, each total counted once.
    const invoices = await f.db.selectFrom('invoices').select(['issued_at', 'currency', 'total_minor']).execute();
    const month = (at: number) => new Date(at).toISOString().slice(0, 7);
    const recent = invoices.filter((i) => Number(i.issued_at) >= f.clock.now - 366 * DAY);
    for (const row of later.revenueByMonth) {
      const expected = recent
        .filter((i) => i.currency === row.currency && month(Number(i.issued_at)) === row.month)
        .reduce((sum, i) => sum + Number(i.total_minor), 0);
      expect(row.totalMinor, `${row.month} ${row.currency}`).toBe(expected);
    }
    expect(later.revenueByMonth.reduce((sum, r) => sum + r.totalMinor, 0)).toBe(
      recent.reduce((sum, i) => sum + Number(i.total_minor), 0),
    );
    // Not for members.
    const again = (
      await f.api('POST', '/api/auth/sign-in', { username: 'trial.soon', password: 'Correct-Horse-7-Battery' })
    ).body as { accessToken: string };
    expect((await f.api('GET', '/api/admin/billing', undefined, again.accessToken)).status).toBe(403);
  });
});

describe('upgrading to an organisation', () => {
  it('takes the subscription, its payments and invoices along, and does not start a second trial', async () => {
    const card = testCardToken({ number: '4242424242424242', expiry: '12/34', cvc: '123' }, f.clock.now)!;
    const paying = await f.registered('founder.paid');
    const paid = await f.api(
      'POST',
      '/api/billing/checkout',
      { plan: 'flex', card, idempotencyKey: 'founder-paid-00001' },
      paying.accessToken,
    );
    expect(paid.body.subscription.status).toBe('active');
    expect(
      (await f.api('POST', '/api/account/organisation', { name: 'Praxis Gründer' }, paying.accessToken)).status,
    ).toBe(201);
    const after = await f.api('GET', '/api/billing/subscription', undefined, paying.accessToken);
    expect(after.body).toMatchObject({ status: 'active', currentPeriodEnd: paid.body.subscription.currentPeriodEnd });
    expect((await f.api('GET', '/api/billing/invoices', undefined, paying.accessToken)).body.invoices).toHaveLength(1);

    // A trial looked at only after the upgrade still counts from the founder's registration.
    await f.registered('founder.trial');
    const { registered_at: registeredAt } = await f.db
      .selectFrom('accounts')
      .select('registered_at')
      .where('username', '=', 'founder.trial')
      .executeTakeFirstOrThrow();
    f.clock.now += 5 * DAY;
    const session = (
      await f.api('POST', '/api/auth/sign-in', { username: 'founder.trial', password: 'Correct-Horse-7-Battery' })
    ).body as { accessToken: string };
    expect((await f.api('POST', '/api/account/organisation', { name: 'Praxis Neu' }, session.accessToken)).status).toBe(
      201,
    );
    const trial = (await f.api('GET', '/api/billing/subscription', undefined, session.accessToken)).body;
    expect(trial).toMatchObject({ status: 'trialing', trialEndsAt: Number(registeredAt) + 14 * DAY });
  });
});
