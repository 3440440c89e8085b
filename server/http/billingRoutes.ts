/**
 * Billing (issue 11): the caller's subscription, the plans on sale to it, the checkout's preview and the
 * checkout itself, 3-D Secure confirmation, cancel and reactivate, invoices; the service desk's vouchers.
 * The buyer (account or organisation), its currency and VAT come from the caller, never from the request.
 */
import type { FastifyInstance } from 'fastify';
import { billingRoutes as routes } from '../../protocol/billing';
import { plansFor, type PlanConfigs } from '../billing/plans';
import type { SubscriptionService } from '../billing/subscriptionService';
import type { VoucherService } from '../billing/vouchers';
import { limit } from './accountRoutes';
import { ApiError } from './apiError';
import type { Guard } from './auth';
import { serve } from './serve';
import type { PaymentProvider } from '../billing/providers';

export function registerBillingRoutes(
  app: FastifyInstance,
  deps: {
    plans: PlanConfigs;
    vouchers: VoucherService;
    subscriptions: SubscriptionService;
    provider: PaymentProvider;
  },
  signedIn: Guard,
): void {
  const { vouchers, subscriptions, provider } = deps;

  // The provider's webhook: the signature is over the exact bytes, so this scope reads the body raw.
  const { parseWebhook } = provider;
  if (parseWebhook) {
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_request, body, done) =>
        done(null, body),
      );
      scope.post(
        `/api/billing/${provider.kind}/webhook`,
        { config: { rateLimit: { max: 6000, timeWindow: '1 minute' } } },
        async (request, reply) => {
          const signature = request.headers['stripe-signature'];
          let event;
          try {
            if (typeof signature !== 'string' || !Buffer.isBuffer(request.body)) throw new Error('unsigned');
            event = await parseWebhook(request.body, signature);
          } catch (error) {
            // Logged without the body; the sender is told nothing more than "refused".
            request.log.warn({ reason: (error as Error).message.slice(0, 200) }, 'billing webhook refused');
            throw new ApiError(400, 'signature_invalid', 'The webhook signature is not valid');
          }
          const outcome = event ? await subscriptions.applyProviderEvent(event) : 'ignored';
          request.log.info({ event: event?.id ?? null, outcome }, 'billing webhook');
          return reply.code(200).send({ received: true });
        },
      );
    });
  }

  // Where the hosted checkout sends the browser back: a page that leads into the app.
  app.get<{ Querystring: { payment?: string; outcome?: string } }>('/billing/return', async (request, reply) => {
    const payment = /^[0-9a-f-]{36}$/.test(request.query.payment ?? '') ? request.query.payment! : '';
    const success = request.query.outcome !== 'cancel';
    const link = `clinicdesk://billing?payment=${payment}`;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>ClinicDesk</title></head><body style="font-family:sans-serif;max-width:32rem;margin:4rem auto">` +
          `<h1>${success ? 'Payment received – Zahlung erhalten – Betalning mottagen – Betaling modtaget' : 'Payment cancelled – Zahlung abgebrochen – Betalning avbruten – Betaling annulleret'}</h1>` +
          `<p><a href="${link}">ClinicDesk</a></p></body></html>`,
      );
  });

  serve(
    app,
    routes.plans,
    async ({ request }) => {
      const who = await subscriptions.buyer(await signedIn(request));
      return {
        plans: plansFor(deps.plans, who.audience, who.currency),
        vatRateBp: who.vatRateBp,
        provider: provider.kind,
      };
    },
    limit(120, '1 minute'),
  );

  serve(
    app,
    routes.quote,
    async ({ request, body }) => subscriptions.quote(await signedIn(request), body.plan, body.voucher),
    // Guessing voucher codes is slow: per address.
    limit(30, '1 minute'),
  );

  serve(
    app,
    routes.subscription,
    async ({ request }) => subscriptions.view(await signedIn(request)),
    limit(300, '1 minute'),
  );
  serve(
    app,
    routes.checkout,
    async ({ request, body }) => subscriptions.checkout(await signedIn(request), body),
    limit(20, '1 minute'),
  );
  serve(app, routes.payment, async ({ request, params }) =>
    subscriptions.paymentOf(await signedIn(request), params.id),
  );
  serve(
    app,
    routes.confirm,
    async ({ request, params, body }) => subscriptions.confirm(await signedIn(request), params.id, body.approve),
    limit(20, '1 minute'),
  );
  serve(
    app,
    routes.cancel,
    async ({ request }) => subscriptions.cancel(await signedIn(request)),
    limit(20, '1 minute'),
  );
  serve(
    app,
    routes.reactivate,
    async ({ request }) => subscriptions.reactivate(await signedIn(request)),
    limit(20, '1 minute'),
  );
  serve(app, routes.invoices, async ({ request }) => ({
    invoices: await subscriptions.invoices(await signedIn(request)),
  }));

  serve(
    app,
    routes.invoicePdf,
    async ({ request, params }) => subscriptions.invoicePdf(await signedIn(request), params.id),
    limit(60, '1 minute'),
  );

  const serviceDesk = async (request: Parameters<Guard>[0]) => {
    const profile = await signedIn(request);
    if (profile.role !== 'service_admin') throw new ApiError(403, 'forbidden', 'Only the service desk may do this');
    return profile;
  };
  serve(app, routes.adminOverview, async ({ request }) => {
    await serviceDesk(request);
    return subscriptions.overview();
  });
  serve(app, routes.adminVouchers, async ({ request }) => {
    await serviceDesk(request);
    return { vouchers: await vouchers.list() };
  });
  serve(
    app,
    routes.adminCreateVoucher,
    async ({ request, body }) => vouchers.create(body, (await serviceDesk(request)).id),
    limit(60, '1 minute'),
  );
}
