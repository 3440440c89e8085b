/**
 * The base of subscriptions (issue 11) on the real database (SQLite here, PostgreSQL in the integration-pg
 * project): invoice numbers stay gapless when payments complete at the same moment and when one rolls
 * back, and a voucher's last redemption goes to exactly one of many racing checkouts, with each reason a
 * voucher cannot be used reported as its own error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextInvoiceNumber } from '../../../server/billing/invoiceNumbers';
import { planIn } from '../../../server/billing/plans';
import { VoucherService } from '../../../server/billing/vouchers';
import { configSchema } from '../../../server/config';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

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
