/**
 * Card checks and the checkout's quote. References: the test card numbers Stripe documents
 * (docs.stripe.com/testing, every one a valid number of its brand), and Luhn's defining property that
 * every single-digit error is detected. The quote's VAT and discounts are checked against hand-worked
 * invoices in minor units.
 */
import fc from 'fast-check';
import { cardFieldState, formatCardNumber, trialEndsDuringCall } from '../../src-renderer/app/billing/billingModel';
import { minutesWarning } from '../../src-renderer/app/billing/MinutesWarning';
import { describe, expect, it } from 'vitest';
import { cardBrand, checkCard, luhnValid, parseExpiry, testCardToken } from '../../protocol/card';
import { computeQuote } from '../../server/billing/quote';
import { addMonths, basisPoints, planIn } from '../../server/billing/plans';
import { configSchema } from '../../server/config';

const NOW = Date.UTC(2026, 10, 30, 12);

// docs.stripe.com/testing: brand → numbers.
const STRIPE_TEST_CARDS: [string, string][] = [
  ['4242424242424242', 'visa'],
  ['4000056655665556', 'visa'],
  ['5555555555554444', 'mastercard'],
  ['2223003122003222', 'mastercard'],
  ['5200828282828210', 'mastercard'],
  ['378282246310005', 'amex'],
  ['371449635398431', 'amex'],
  ['6011111111111117', 'discover'],
  ['4000000000000002', 'visa'],
  ['4000000000003220', 'visa'],
];

describe('card checks', () => {
  it("accepts Stripe's documented test cards with their brands", () => {
    for (const [number, brand] of STRIPE_TEST_CARDS) {
      expect(luhnValid(number), number).toBe(true);
      expect(cardBrand(number), number).toBe(brand);
      const cvc = brand === 'amex' ? '1234' : '123';
      expect(checkCard({ number, expiry: '12/34', cvc }, NOW).valid, number).toBe(true);
    }
  });

  it('detects every single-digit error (the property Luhn is designed for)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STRIPE_TEST_CARDS.map(([n]) => n)),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (number, at, delta) => {
          const i = at % number.length;
          const digit = (Number(number[i]) + delta) % 10;
          const changed = number.slice(0, i) + String(digit) + number.slice(i + 1);
          return !luhnValid(changed);
        },
      ),
    );
  });

  it('names each problem: number, expiry in the past or malformed, CVC', () => {
    expect(checkCard({ number: '4242 4242 4242 4241', expiry: '12/34', cvc: '123' }, NOW).issues).toEqual({
      number: 'card_number_invalid',
    });
    expect(checkCard({ number: '4242-4242-4242-4242', expiry: '10/26', cvc: '12' }, NOW).issues).toEqual({
      expiry: 'card_expired',
      cvc: 'card_cvc_invalid',
    });
    // The card is valid to the end of its month.
    expect(checkCard({ number: '4242424242424242', expiry: '11/26', cvc: '123' }, NOW).valid).toBe(true);
    expect(checkCard({ number: '4242424242424242', expiry: '13/26', cvc: '123' }, NOW).issues.expiry).toBe(
      'card_expiry_invalid',
    );
    expect(checkCard({ number: '4242x', expiry: '', cvc: '' }, NOW).valid).toBe(false);
    expect(parseExpiry(' 7 / 2029 ')).toEqual({ month: 7, year: 2029 });
  });

  it("turns a valid card into a token that carries only brand, last four and expiry, as Stripe's test tokens", () => {
    expect(testCardToken({ number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123' }, NOW)).toEqual({
      token: 'tok_visa',
      brand: 'visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2034,
    });
    expect(testCardToken({ number: '4000000000000002', expiry: '12/34', cvc: '123' }, NOW)?.token).toBe(
      'tok_chargeDeclined',
    );
    expect(testCardToken({ number: '4000000000003220', expiry: '12/34', cvc: '123' }, NOW)?.token).toBe(
      'tok_threeDSecure2Required',
    );
    expect(testCardToken({ number: '4242424242424241', expiry: '12/34', cvc: '123' }, NOW)).toBeNull();
    expect(JSON.stringify(testCardToken({ number: '5555555555554444', expiry: '1/30', cvc: '999' }, NOW))).not.toMatch(
      /5555555555|999/,
    );
  });
});

describe('quote', () => {
  const plans = configSchema.parse({ dataDir: '/tmp/x', webDir: '/tmp/x' }).billingPlans;
  const flex = planIn(plans, 'flex', 'EUR')!;
  const org = planIn(plans, 'organisation', 'CHF')!;

  it('takes 20 % off before 19 % VAT, in minor units', () => {
    const quote = computeQuote({
      plan: flex,
      seats: 1,
      vatRateBp: 1900,
      start: NOW,
      voucher: { code: 'SPRING20', kind: 'percent', value: 2000 },
    });
    // 39.00 − 7.80 = 31.20; VAT 5.928 → 5.93; total 37.13.
    expect(quote.lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['plan', 3900],
      ['voucher', -780],
    ]);
    expect([quote.netMinor, quote.vatMinor, quote.totalMinor]).toEqual([3120, 593, 3713]);
    expect(quote.periodEnd).toBe(Date.UTC(2026, 11, 30, 12));
  });

  it('prices an organisation per seat with Swiss VAT, and free months as a longer first period at no charge', () => {
    const seats = computeQuote({ plan: org, seats: 7, vatRateBp: 810, start: NOW });
    expect(seats.lines[0]).toMatchObject({ kind: 'seats', quantity: 7, unitMinor: 2900, amountMinor: 20300 });
    // 203.00 × 8.1 % = 16.443 → 16.44.
    expect([seats.netMinor, seats.vatMinor, seats.totalMinor]).toEqual([20300, 1644, 21944]);
    const free = computeQuote({
      plan: flex,
      seats: 1,
      vatRateBp: 1900,
      start: Date.UTC(2027, 0, 31),
      voucher: { code: 'FREE2', kind: 'months', value: 2 },
    });
    expect(free.totalMinor).toBe(0);
    expect(free.periodEnd).toBe(Date.UTC(2027, 2, 31));
    expect(addMonths(Date.UTC(2027, 0, 31), 1)).toBe(Date.UTC(2027, 1, 28));
  });

  it('rounds half up and never gives more discount than the price', () => {
    expect(basisPoints(5, 1000)).toBe(1); // 0.5 → 1
    expect(basisPoints(4, 1000)).toBe(0);
    const amount = computeQuote({
      plan: flex,
      seats: 1,
      vatRateBp: 0,
      start: NOW,
      voucher: { code: 'BIG', kind: 'amount', value: 99_999 },
    });
    expect(amount.totalMinor).toBe(0);
  });
});

describe("the checkout's live card checks (renderer model)", () => {
  const now = Date.UTC(2026, 11, 1);
  it('names the brand at once and judges a field only once it is complete enough', () => {
    expect(cardFieldState({ number: '4', expiry: '', cvc: '' }, now)).toMatchObject({ brand: 'visa', issues: {} });
    expect(cardFieldState({ number: '4242 4242 4242 4241', expiry: '1', cvc: '1' }, now).issues).toEqual({
      number: 'card_number_invalid',
    });
    expect(cardFieldState({ number: '4242 4242 4242 4242', expiry: '11/26', cvc: '12' }, now).issues).toEqual({
      expiry: 'card_expired',
    });
    expect(cardFieldState({ number: '3782 822463 10005', expiry: '12/30', cvc: '123' }, now)).toMatchObject({
      brand: 'amex',
      issues: { cvc: 'card_cvc_invalid' },
      valid: false,
    });
    expect(cardFieldState({ number: '5555555555554444', expiry: '12/26', cvc: '123' }, now)).toMatchObject({
      brand: 'mastercard',
      valid: true,
    });
  });
  it('groups digits as printed on the card', () => {
    expect(formatCardNumber('4242424242424242')).toBe('4242 4242 4242 4242');
    expect(formatCardNumber('378282246310005')).toBe('3782 822463 10005');
    expect(formatCardNumber('42a4-2')).toBe('4242');
  });
  it('warns before a call only in the last hour of a trial', () => {
    const trial = {
      plan: null,
      status: 'trialing',
      trialEndsAt: now + 30 * 60_000,
    } as unknown as Parameters<typeof trialEndsDuringCall>[0];
    expect(trialEndsDuringCall(trial, now)).toBe(now + 30 * 60_000);
    expect(trialEndsDuringCall(trial, now - 2 * 3_600_000)).toBeNull();
    expect(trialEndsDuringCall(trial, now + 31 * 60_000)).toBeNull();
    expect(trialEndsDuringCall({ ...trial!, status: 'active' }, now)).toBeNull();
  });
});

describe('the in-call minutes warning (renderer model)', () => {
  const since = Date.UTC(2026, 11, 1, 9);
  it('says nothing until 5 minutes are left, then "soon", then "out" — and never cuts', () => {
    expect(minutesWarning(20, since, since + 14 * 60_000)).toBeNull();
    expect(minutesWarning(20, since, since + 15 * 60_000)).toBe('soon');
    expect(minutesWarning(20, since, since + 20 * 60_000 - 1)).toBe('soon');
    expect(minutesWarning(20, since, since + 20 * 60_000)).toBe('out');
    expect(minutesWarning(0, since, since)).toBe('out');
    expect(minutesWarning(3, since, since)).toBe('soon');
  });
});
