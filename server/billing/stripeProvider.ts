/**
 * Stripe through its official SDK. The card is entered in Stripe's hosted Checkout (opened in the system
 * browser; its success page leads back to the app by the clinicdesk:// link); the card is saved for later
 * off-session charges, with which renewals are paid. Our server keeps the subscription's periods and
 * issues the invoices (gapless numbers per year, VAT per country), so Stripe is asked to charge amounts,
 * not to run a subscription of its own. Every call that charges carries our payment's id as Stripe's
 * idempotency key, so a retry after a crash is the same charge.
 *
 * Webhooks are verified with `stripe.webhooks.constructEvent` (HMAC signature and timestamp tolerance):
 * `checkout.session.completed` completes a payment, `checkout.session.expired` declines it.
 */
import Stripe from 'stripe';
import type { CardResult, PaymentProvider, ProviderEvent } from './providers';

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** Where the customer lands after paying or cancelling (our page that leads back into the app). */
  returnUrl: (paymentId: string, outcome: 'success' | 'cancel') => string;
  /** Another API host (a local stand-in in tests): `http://127.0.0.1:1234`. */
  apiBase?: string;
}

const metadataPayment = (metadata: Stripe.Metadata | null | undefined): string | null =>
  metadata && typeof metadata.paymentId === 'string' ? metadata.paymentId : null;

export function stripePaymentProvider(options: StripeOptions): PaymentProvider {
  const base = options.apiBase ? new URL(options.apiBase) : null;
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });

  /** A paid session: the card's brand and last four, the saved method and the customer, for renewals. */
  const paid = async (session: Stripe.Checkout.Session): Promise<CardResult> => {
    const intentId = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    const customer = typeof session.customer === 'string' ? session.customer : session.customer?.id;
    if (!intentId) return { status: 'succeeded', ...(customer ? { customer } : {}) };
    const intent = await stripe.paymentIntents.retrieve(intentId, { expand: ['payment_method'] });
    const method = typeof intent.payment_method === 'string' ? null : intent.payment_method;
    return {
      status: 'succeeded',
      ...(method?.card ? { card: { brand: method.card.brand, last4: method.card.last4 } } : {}),
      ...(method ? { method: method.id } : {}),
      ...(customer ? { customer } : {}),
    };
  };

  const sessionResult = async (session: Stripe.Checkout.Session): Promise<CardResult> => {
    if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') return paid(session);
    if (session.status === 'expired') return { status: 'declined', reason: 'checkout_expired' };
    return { status: 'redirect', ref: session.id, url: session.url ?? '' };
  };

  return {
    kind: 'stripe',
    async charge({ paymentId, amountMinor, currency, description }) {
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: paymentId,
          metadata: { paymentId },
          customer_creation: 'always',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: currency.toLowerCase(),
                unit_amount: amountMinor,
                product_data: { name: description },
              },
            },
          ],
          payment_intent_data: { setup_future_usage: 'off_session', metadata: { paymentId } },
          success_url: options.returnUrl(paymentId, 'success'),
          cancel_url: options.returnUrl(paymentId, 'cancel'),
        },
        { idempotencyKey: `checkout-${paymentId}` },
      );
      if (!session.url) return { status: 'declined', reason: 'checkout_unavailable' };
      return { status: 'redirect', ref: session.id, url: session.url };
    },

    async renew({ paymentId, attempt, amountMinor, currency, description, method, customer }) {
      if (!method || !customer) return { status: 'declined', reason: 'card_missing' };
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: amountMinor,
            currency: currency.toLowerCase(),
            customer,
            payment_method: method,
            off_session: true,
            confirm: true,
            description,
            metadata: { paymentId },
          },
          { idempotencyKey: `renew-${paymentId}-${attempt}` },
        );
        if (intent.status === 'succeeded') return { status: 'succeeded' };
        return {
          status: 'declined',
          reason: intent.status === 'requires_action' ? 'authentication_required' : intent.status,
        };
      } catch (error) {
        // A declined card is an answer, not a failure; anything else (network, API) is retried by the caller.
        if (error instanceof Stripe.errors.StripeCardError)
          return { status: 'declined', reason: error.decline_code ?? error.code ?? 'card_declined' };
        throw error;
      }
    },

    async confirm(_paymentId, ref) {
      return sessionResult(await stripe.checkout.sessions.retrieve(ref));
    },

    async parseWebhook(raw, signature): Promise<ProviderEvent | null> {
      // Throws Stripe's signature error for a forged or stale event.
      const event = stripe.webhooks.constructEvent(raw, signature, options.webhookSecret);
      if (event.type === 'checkout.session.completed' || event.type === 'checkout.session.async_payment_succeeded') {
        const session = event.data.object;
        const paymentId = metadataPayment(session.metadata) ?? session.client_reference_id;
        if (!paymentId || session.payment_status !== 'paid') return null;
        return { id: event.id, paymentId, result: await paid(session) };
      }
      if (event.type === 'checkout.session.expired' || event.type === 'checkout.session.async_payment_failed') {
        const session = event.data.object;
        const paymentId = metadataPayment(session.metadata) ?? session.client_reference_id;
        return paymentId
          ? { id: event.id, paymentId, result: { status: 'declined', reason: 'checkout_expired' } }
          : null;
      }
      // payment_intent.payment_failed is not a decline here: in the hosted checkout the customer may try
      // another card in the same session; the session's expiry ends it. Renewals learn their outcome
      // from the call itself.
      return null;
    },
  };
}
