/**
 * Who takes the card payment, behind one interface. The embedded test provider is the default: it reads
 * the card token the desktop's form made (protocol/card.ts), as Stripe's test mode reads its test tokens;
 * a Stripe adapter over the official SDK is the production one (issue 11, not built yet).
 */
import type { CardToken } from '../../protocol/card';

export type CardResult =
  | { status: 'succeeded'; card?: { brand: string; last4: string }; method?: string; customer?: string }
  | { status: 'requires_action'; /** What the confirmation needs later, kept on the payment's row. */ ref: string }
  /** The card is entered in the provider's hosted checkout at `url` (the system browser). */
  | { status: 'redirect'; ref: string; url: string }
  | { status: 'declined'; reason: string };

/** A provider's webhook, verified: its id (applied once) and what it says about one of our payments. */
export interface ProviderEvent {
  id: string;
  paymentId: string;
  result: CardResult;
}

export interface ChargeRequest {
  paymentId: string;
  amountMinor: number;
  currency: string;
  description: string;
  card: CardToken | null;
}

export interface RenewRequest {
  paymentId: string;
  /** Which attempt at this payment (a day's retry is a new one): part of the provider's idempotency key. */
  attempt: string;
  amountMinor: number;
  currency: string;
  description: string;
  method: string | null;
  customer: string | null;
}

export interface PaymentProvider {
  readonly kind: 'test' | 'stripe';
  charge(request: ChargeRequest): Promise<CardResult>;
  /** A renewal, off session, with the card saved at the first payment (`method` from its result). */
  renew(request: RenewRequest): Promise<CardResult>;
  /**
   * The cardholder's answer to a 3-D Secure challenge (`ref` from `requires_action`); for a hosted
   * checkout (`redirect`), where it stands now.
   */
  confirm(paymentId: string, ref: string, approve: boolean): Promise<CardResult>;
  /** A webhook's body and signature header: the event, or null for one that is not about a payment; throws when forged. */
  parseWebhook?(raw: Buffer, signature: string): Promise<ProviderEvent | null>;
}

/**
 * The embedded test provider: keeps only brand and last four. It holds no state of its own (a payment
 * awaiting 3-D Secure carries brand and last four in its row), so any server process can confirm it.
 */
export function testPaymentProvider(): PaymentProvider {
  const success = (card: Pick<CardToken, 'brand' | 'last4'>): CardResult => ({
    status: 'succeeded',
    card: { brand: card.brand, last4: card.last4 },
    method: `pm_test_${card.brand}_${card.last4}`,
  });
  return {
    kind: 'test',
    charge: async ({ paymentId, card, amountMinor }) => {
      if (amountMinor === 0 && !card) return { status: 'succeeded' };
      if (!card) return { status: 'declined', reason: 'card_missing' };
      if (card.token === 'tok_chargeDeclined') return { status: 'declined', reason: 'card_declined' };
      if (card.token === 'tok_chargeDeclinedInsufficientFunds')
        return { status: 'declined', reason: 'insufficient_funds' };
      if (card.token === 'tok_threeDSecure2Required')
        return { status: 'requires_action', ref: `3ds:${card.brand}:${card.last4}:${paymentId}` };
      return success(card);
    },
    // Stripe's 4000 0000 0000 0341: saving the card succeeds, charging it later fails.
    renew: async ({ method }) =>
      !method
        ? { status: 'declined', reason: 'card_missing' }
        : method.endsWith('_0341')
          ? { status: 'declined', reason: 'card_declined' }
          : { status: 'succeeded' },
    confirm: async (paymentId, ref, approve) => {
      const match = /^3ds:(\w+):(\d{4}):(.+)$/.exec(ref);
      if (!match || match[3] !== paymentId || !approve) return { status: 'declined', reason: 'authentication_failed' };
      return success({ brand: match[1] as CardToken['brand'], last4: match[2]! });
    },
  };
}
