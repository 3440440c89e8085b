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

export function registerBillingRoutes(
  app: FastifyInstance,
  deps: { plans: PlanConfigs; vouchers: VoucherService; subscriptions: SubscriptionService },
  signedIn: Guard,
): void {
  const { vouchers, subscriptions } = deps;

  serve(
    app,
    routes.plans,
    async ({ request }) => {
      const who = await subscriptions.buyer(await signedIn(request));
      return {
        plans: plansFor(deps.plans, who.audience, who.currency),
        vatRateBp: who.vatRateBp,
        provider: 'test' as const,
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
