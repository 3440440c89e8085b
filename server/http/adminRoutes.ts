/**
 * The admin panel's routes. Organisation admins act on their own organisation only; service admins on the
 * individual accounts, or on an organisation they name. Another organisation's users are simply "not found".
 */
import type { FastifyInstance } from 'fastify';
import { adminRoutes as routes } from '../../protocol/admin';
import type { AccountService } from '../accounts/accountService';
import type { OrganisationService } from '../organisations/organisationService';
import { ApiError } from './apiError';
import { limit } from './accountRoutes';
import type { Guard } from './auth';
import { serve } from './serve';

const DAY = 86_400_000;

export function registerAdminRoutes(
  app: FastifyInstance,
  accounts: AccountService,
  organisations: OrganisationService,
  signedIn: Guard,
  now: () => number,
): void {
  serve(
    app,
    routes.invite,
    async ({ request, body }) => {
      const me = await signedIn(request);
      const { organisationId, ...invitation } = body;
      const scope = organisations.scopeOf(me, organisationId);
      if (scope.organisationId === null && invitation.role === 'org_admin')
        throw new ApiError(400, 'bad_request', 'An organisation admin needs an organisation', [
          { path: 'role', code: 'role_needs_organisation' },
        ]);
      if (scope.organisationId !== null) await organisations.organisation(scope); // must exist
      // The same answer whether or not the address could be invited: an admin learns nothing about accounts
      // outside their organisation (their own users are in the user list).
      await accounts.sendInvitation({ ...invitation, organisationId: scope.organisationId });
      return { status: 'sent' as const };
    },
    limit(60, '1 minute'),
  );

  serve(
    app,
    routes.createOrganisation,
    async ({ request, body }) => {
      const me = await signedIn(request);
      if (me.role !== 'service_admin')
        throw new ApiError(403, 'forbidden', 'Only the service can create organisations');
      return organisations.create(body.name);
    },
    limit(30, '1 minute'),
  );

  serve(app, routes.organisation, async ({ request, query }) =>
    organisations.organisation(organisations.scopeOf(await signedIn(request), query?.organisationId)),
  );
  serve(app, routes.renameOrganisation, async ({ request, query, body }) =>
    organisations.rename(organisations.scopeOf(await signedIn(request), query?.organisationId), body.name),
  );
  serve(app, routes.users, async ({ request, query }) =>
    organisations.users(organisations.scopeOf(await signedIn(request), query?.organisationId)),
  );
  serve(app, routes.updateUser, async ({ request, params, query, body }) => {
    const me = await signedIn(request);
    return organisations.updateUser(me, organisations.scopeOf(me, query?.organisationId), params.id, body ?? {});
  });
  serve(
    app,
    routes.resendInvitation,
    async ({ request, params, query }) => {
      await organisations.resendInvitation(
        organisations.scopeOf(await signedIn(request), query?.organisationId),
        params.id,
      );
      return { status: 'sent' as const };
    },
    limit(20, '1 minute'),
  );

  serve(app, routes.statistics, async ({ request, query }) => {
    const me = await signedIn(request);
    const to = query?.to ?? now() + 1; // up to and including now
    return organisations.statistics(organisations.scopeOf(me, query?.organisationId), query?.from ?? to - 30 * DAY, to);
  });

  serve(app, routes.logs, async ({ request, query }) => {
    const me = await signedIn(request);
    return organisations.logs(
      organisations.scopeOf(me, query?.organisationId),
      query?.from ?? 0,
      query?.to ?? now() + DAY,
      query?.limit ?? 100,
      query?.offset ?? 0,
    );
  });
}
