/**
 * Card entry, checked as the user types and turned into a token before anything leaves the form: the card
 * number, expiry and CVC never reach the main process's messages to the server, our server or our
 * database. With the embedded test provider the token names the test card the way Stripe's test tokens
 * do (`tok_visa`, `tok_chargeDeclined`, `tok_threeDSecure2Required`); with Stripe, card entry happens in
 * Stripe's hosted checkout instead and this module only serves the form's checks.
 *
 * Pure functions, no DOM: the renderer's form and the tests use the same code.
 */
export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'unknown';

/** Digits only: spaces and dashes as people type them are allowed, anything else is not a card number. */
export function cardDigits(input: string): string | null {
  const compact = input.replace(/[\s-]/g, '');
  return /^\d*$/.test(compact) ? compact : null;
}

/** The brand from the number's first digits (IIN ranges as the card networks publish them). */
export function cardBrand(digits: string): CardBrand {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^(6011|65|64[4-9])/.test(digits)) return 'discover';
  return 'unknown';
}

/** The Luhn (mod 10) check every card number carries in its last digit (ISO/IEC 7812-1). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** How long a brand's numbers are, and its CVC. */
const LENGTHS: Record<CardBrand, { number: number[]; cvc: number }> = {
  visa: { number: [13, 16, 19], cvc: 3 },
  mastercard: { number: [16], cvc: 3 },
  amex: { number: [15], cvc: 4 },
  discover: { number: [16, 19], cvc: 3 },
  unknown: { number: [12, 13, 14, 15, 16, 17, 18, 19], cvc: 3 },
};

/** "MM/YY" or "MM/YYYY" (spaces allowed); the card is valid to the end of that month. */
export function parseExpiry(input: string): { month: number; year: number } | null {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input);
  if (!match) return null;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return null;
  return { month, year };
}

export type CardIssue = 'card_number_invalid' | 'card_expiry_invalid' | 'card_expired' | 'card_cvc_invalid';

export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
}

export interface CardCheck {
  brand: CardBrand;
  /** Each field's problem, if it has one (all three empty: nothing typed yet). */
  issues: Partial<Record<keyof CardInput, CardIssue>>;
  valid: boolean;
}

/** Checks a card as typed, at `now` (the expiry month must not have ended). */
export function checkCard(input: CardInput, now: number): CardCheck {
  const digits = cardDigits(input.number) ?? '';
  const brand = cardBrand(digits);
  const issues: CardCheck['issues'] = {};
  if (!cardDigits(input.number) || !LENGTHS[brand].number.includes(digits.length) || !luhnValid(digits))
    issues.number = 'card_number_invalid';
  const expiry = parseExpiry(input.expiry);
  if (!expiry) issues.expiry = 'card_expiry_invalid';
  else {
    const today = new Date(now);
    const current = today.getUTCFullYear() * 12 + today.getUTCMonth();
    const until = expiry.year * 12 + (expiry.month - 1);
    if (until < current) issues.expiry = 'card_expired';
    else if (until > current + 20 * 12) issues.expiry = 'card_expiry_invalid';
  }
  if (!new RegExp(`^\\d{${LENGTHS[brand].cvc}}$`).test(input.cvc.trim())) issues.cvc = 'card_cvc_invalid';
  return { brand, issues, valid: Object.keys(issues).length === 0 };
}

/** The test cards of the embedded test provider, as Stripe documents them for its test mode. */
const TEST_OUTCOMES: Record<string, string> = {
  '4000000000000002': 'tok_chargeDeclined',
  '4000000000003220': 'tok_threeDSecure2Required',
  '4000000000009995': 'tok_chargeDeclinedInsufficientFunds',
  // Saving the card succeeds, charging it later fails: a renewal that is declined.
  '4000000000000341': 'tok_chargeCustomerFail',
};

export interface CardToken {
  token: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
}

/**
 * The test provider's token for a valid card: what the server is sent instead of the card. Returns null
 * for a card that does not pass `checkCard`.
 */
export function testCardToken(input: CardInput, now: number): CardToken | null {
  const check = checkCard(input, now);
  if (!check.valid) return null;
  const digits = cardDigits(input.number)!;
  const expiry = parseExpiry(input.expiry)!;
  return {
    token: TEST_OUTCOMES[digits] ?? `tok_${check.brand === 'unknown' ? 'visa' : check.brand}`,
    brand: check.brand,
    last4: digits.slice(-4),
    expMonth: expiry.month,
    expYear: expiry.year,
  };
}
