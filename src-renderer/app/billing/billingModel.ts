/**
 * The checkout's and the subscription view's rules, outside React so they are tested without a browser:
 * money in the user's language, the card fields' live checks, the test provider's token (the card number
 * itself never leaves the renderer), and when a call may run past the trial's end.
 */
import { checkCard, testCardToken, type CardBrand, type CardInput, type CardToken } from '../../../protocol/card';
import type { Subscription } from '../../../src-preload/contract';

/** Integer minor units (all our currencies have two decimals) in the user's format. */
export const money = (minor: number, currency: string, language: string): string =>
  new Intl.NumberFormat(language, { style: 'currency', currency }).format(minor / 100);

export interface CardFieldState {
  brand: CardBrand;
  /** Per field, the issue code to show (only for fields the user has filled in enough to judge). */
  issues: Partial<Record<'number' | 'expiry' | 'cvc', string>>;
  valid: boolean;
}

/**
 * The card as the user types: the brand from the first digits at once; a number judged once it is long
 * enough to be complete (13 digits or more), an expiry once it has month and year, a CVC once typed.
 */
export function cardFieldState(input: CardInput, now: number): CardFieldState {
  const check = checkCard(input, now);
  const digits = input.number.replace(/[\s-]/g, '');
  const issues: CardFieldState['issues'] = {};
  if (check.issues.number && digits.length >= 13) issues.number = check.issues.number;
  if (check.issues.expiry && /\d{1,2}\s*\/\s*\d{2,4}/.test(input.expiry)) issues.expiry = check.issues.expiry;
  if (check.issues.cvc && input.cvc.trim().length >= 3) issues.cvc = check.issues.cvc;
  return { brand: check.brand, issues, valid: check.valid };
}

/** What the checkout sends instead of the card (test provider), or null while the card is not valid. */
export const cardToken = (input: CardInput, now: number): CardToken | null => testCardToken(input, now);

/** Groups the digits as printed on the card (4-4-4-4; Amex 4-6-5). */
export function formatCardNumber(value: string): string {
  const digits = value.replace(/\D/g, '').slice(0, 19);
  const groups = /^3[47]/.test(digits) ? [4, 6, 5] : [4, 4, 4, 4, 3];
  const parts: string[] = [];
  let at = 0;
  for (const size of groups) {
    if (at >= digits.length) break;
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  return parts.join(' ');
}

/** A consultation is expected to last up to this long: a warning when the trial ends sooner. */
export const CALL_WARNING_MS = 60 * 60_000;

/** The trial's end, when a call started now could run past it (the call is not cut; the app says so). */
export function trialEndsDuringCall(subscription: Subscription | null, now: number): number | null {
  if (!subscription || subscription.status !== 'trialing' || subscription.plan !== null) return null;
  const left = subscription.trialEndsAt - now;
  return left > 0 && left < CALL_WARNING_MS ? subscription.trialEndsAt : null;
}

/** A fresh idempotency key for one checkout (a double click on "Pay" sends the same key). */
export const newPaymentKey = (): string => `pay-${crypto.randomUUID()}`;
