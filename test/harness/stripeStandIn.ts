/**
 * A local stand-in of the Stripe API endpoints the adapter calls (Checkout Sessions create and retrieve,
 * PaymentIntents create and retrieve), speaking Stripe's wire format: form-encoded requests with bracket
 * notation, JSON answers, `Idempotency-Key` replays, card errors as 402 with `error.type = card_error`.
 * It plays the hosted checkout too (`pay`), and delivers webhooks signed as Stripe signs them (the SDK's
 * own `generateTestHeaderString`), or forged.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface StandInRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  authorization: string | null;
  params: Record<string, string>;
}

interface Session {
  id: string;
  object: 'checkout.session';
  url: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  client_reference_id: string | null;
  metadata: Record<string, string>;
  amount_total: number;
  currency: string;
  customer: string | null;
  payment_intent: string | null;
}

export interface StripeStandIn {
  base: string;
  requests: StandInRequest[];
  sessions: Map<string, Session>;
  /** Later off-session charges of these payment methods fail (Stripe's 4000 0000 0000 0341). */
  failingMethods: Set<string>;
  /** Payment methods that no longer exist (detached): Stripe answers 400 `resource_missing`. */
  removedMethods: Set<string>;
  /** The customer completes the hosted checkout with this card; returns the `checkout.session.completed` event. */
  pay(sessionId: string, card?: { brand: string; last4: string }): object;
  expire(sessionId: string): object;
  /** Posts an event to `url`, signed with `secret` (the endpoint's, or a wrong one to forge it). */
  deliver(url: string, event: object, secret: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const read = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString()));
    request.on('error', reject);
  });

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const requests: StandInRequest[] = [];
  const sessions = new Map<string, Session>();
  const intents = new Map<string, object>();
  const methods = new Map<string, { brand: string; last4: string }>();
  const replays = new Map<string, { status: number; body: string }>();
  const failingMethods = new Set<string>();
  const removedMethods = new Set<string>();
  let n = 0;
  const next = (prefix: string) => `${prefix}_test_${(++n).toString().padStart(6, '0')}`;
  let events = 0;

  const method = (id: string, expand: boolean) => {
    const card = methods.get(id) ?? { brand: 'visa', last4: '4242' };
    return expand
      ? { id, object: 'payment_method', type: 'card', card: { ...card, exp_month: 12, exp_year: 2034 } }
      : id;
  };

  const handle = (req: StandInRequest): { status: number; body: unknown } => {
    const p = req.params;
    if (req.method === 'POST' && req.path === '/v1/checkout/sessions') {
      const id = next('cs');
      const session: Session = {
        id,
        object: 'checkout.session',
        url: `https://checkout.stripe.com/c/pay/${id}`,
        status: 'open',
        payment_status: 'unpaid',
        client_reference_id: p.client_reference_id ?? null,
        metadata: { paymentId: p['metadata[paymentId]'] ?? '' },
        amount_total: Number(p['line_items[0][price_data][unit_amount]']) * Number(p['line_items[0][quantity]'] ?? 1),
        currency: p['line_items[0][price_data][currency]'] ?? '',
        customer: null,
        payment_intent: null,
      };
      sessions.set(id, session);
      return { status: 200, body: session };
    }
    const sessionMatch = /^\/v1\/checkout\/sessions\/([\w]+)$/.exec(req.path);
    if (req.method === 'GET' && sessionMatch) {
      const session = sessions.get(sessionMatch[1]!);
      return session
        ? { status: 200, body: session }
        : { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing' } } };
    }
    const intentMatch = /^\/v1\/payment_intents\/([\w]+)$/.exec(req.path);
    if (req.method === 'GET' && intentMatch) {
      const intent = intents.get(intentMatch[1]!) as { payment_method: string } | undefined;
      if (!intent) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing' } } };
      return {
        status: 200,
        body: { ...intent, payment_method: method(intent.payment_method, p['expand[0]'] === 'payment_method') },
      };
    }
    if (req.method === 'POST' && req.path === '/v1/payment_intents') {
      if (p.confirm !== 'true' || p.off_session !== 'true' || !p.customer || !p.payment_method)
        return {
          status: 400,
          body: {
            error: {
              type: 'invalid_request_error',
              message: 'confirm, off_session, customer and payment_method are required',
            },
          },
        };
      if (removedMethods.has(p.payment_method))
        return {
          status: 400,
          body: {
            error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such PaymentMethod' },
          },
        };
      if (failingMethods.has(p.payment_method))
        return {
          status: 402,
          body: {
            error: {
              type: 'card_error',
              code: 'card_declined',
              decline_code: 'generic_decline',
              message: 'Your card was declined.',
            },
          },
        };
      const intent = {
        id: next('pi'),
        object: 'payment_intent',
        status: 'succeeded',
        amount: Number(p.amount),
        currency: p.currency,
        customer: p.customer,
        payment_method: p.payment_method,
        metadata: { paymentId: p['metadata[paymentId]'] ?? '' },
      };
      intents.set(intent.id, intent);
      return { status: 200, body: intent };
    }
    return {
      status: 404,
      body: { error: { type: 'invalid_request_error', message: `no route ${req.method} ${req.path}` } },
    };
  };

  const server: Server = createServer((request, response) => {
    void read(request).then((raw) => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const params: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(request.method === 'GET' ? url.search : raw)) params[k] = v;
      const req: StandInRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        idempotencyKey: (request.headers['idempotency-key'] as string | undefined) ?? null,
        authorization: request.headers.authorization ?? null,
        params,
      };
      requests.push(req);
      // Stripe answers a repeated idempotency key with the first answer.
      const replayKey = req.idempotencyKey ? `${req.method} ${req.path} ${req.idempotencyKey}` : null;
      let answer = replayKey ? replays.get(replayKey) : undefined;
      if (!answer) {
        const handled = handle(req);
        answer = { status: handled.status, body: JSON.stringify(handled.body) };
        if (replayKey) replays.set(replayKey, answer);
      }
      response.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_${n}` });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const signer = new Stripe('sk_test_signer');

  const event = (type: string, object: object) => ({
    id: `evt_test_${(++events).toString().padStart(6, '0')}`,
    object: 'event',
    type,
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object },
  });

  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    sessions,
    failingMethods,
    removedMethods,
    pay(sessionId, card = { brand: 'visa', last4: '4242' }) {
      const session = sessions.get(sessionId)!;
      const pm = next('pm');
      methods.set(pm, card);
      const intent = {
        id: next('pi'),
        object: 'payment_intent',
        status: 'succeeded',
        amount: session.amount_total,
        currency: session.currency,
        payment_method: pm,
        metadata: session.metadata,
      };
      intents.set(intent.id, intent);
      Object.assign(session, {
        status: 'complete',
        payment_status: 'paid',
        customer: next('cus'),
        payment_intent: intent.id,
      });
      return event('checkout.session.completed', { ...session });
    },
    expire(sessionId) {
      const session = sessions.get(sessionId)!;
      session.status = 'expired';
      return event('checkout.session.expired', { ...session });
    },
    async deliver(url, body, secret) {
      const payload = JSON.stringify(body);
      const signature = signer.webhooks.generateTestHeaderString({ payload, secret });
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
      });
      return { status: response.status, body: await response.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
