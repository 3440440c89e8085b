/** Telehealth Pro (issue 12): the caller's minutes, the add-on, and the organisation's switch per colleague. */
import type { FastifyInstance } from 'fastify';
import { telehealthRoutes as routes } from '../../protocol/telehealth';
import type { TelehealthService } from '../telehealth/telehealthService';
import { limit } from './accountRoutes';
import type { Guard } from './auth';
import { serve } from './serve';

export function registerTelehealthRoutes(app: FastifyInstance, telehealth: TelehealthService, signedIn: Guard): void {
  serve(app, routes.usage, async ({ request }) => telehealth.usage(await signedIn(request)), limit(300, '1 minute'));
  serve(
    app,
    routes.addAddOn,
    async ({ request, body }) => telehealth.addAddOn(await signedIn(request), body.idempotencyKey),
    limit(20, '1 minute'),
  );
  serve(
    app,
    routes.removeAddOn,
    async ({ request }) => telehealth.removeAddOn(await signedIn(request)),
    limit(20, '1 minute'),
  );
  serve(app, routes.members, async ({ request }) => ({ members: await telehealth.members(await signedIn(request)) }));
  serve(
    app,
    routes.setMember,
    async ({ request, params, body }) =>
      telehealth.setMember(await signedIn(request), params.id, body.addOn, body.idempotencyKey),
    limit(60, '1 minute'),
  );
}
