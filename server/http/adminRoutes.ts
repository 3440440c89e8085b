/**
 * The admin panel's routes. Organisation admins act on their own organisation only; service admins on the
 * individual accounts, or on an organisation they name. Another organisation's users are simply "not found".
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountService } from '../accounts/accountService';
import type { OrganisationService } from '../organisations/organisationService';
import { ApiError } from './apiError';
import { email, language, limit, parse } from './accountRoutes';
import type { Guard } from './auth';

const id = z.uuid({ message: 'id_invalid' });
const scopeQuery = z.object({ organisationId: id.optional() });
const name = z.string().trim().min(1, { message: 'required' }).max(120);
const DAY = 86_400_000;
const range = scopeQuery.extend({
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
});

export function registerAdminRoutes(
  app: FastifyInstance,
  accounts: AccountService,
  organisations: OrganisationService,
  signedIn: Guard,
  now: () => number,
): void {
  app.post('/api/admin/invitations', limit(60, '1 minute'), async (request, reply) => {
    const me = await signedIn(request);
    const body = parse(
      z
        .object({
          email,
          language,
          name: z.string().trim().max(120).default(''),
          role: z.enum(['member', 'org_admin']).default('member'),
          organisationId: id.optional(),
        })
        .strict(),
      request.body,
    );
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
    return reply.code(202).send({ status: 'sent' });
  });

  app.post('/api/admin/organisations', limit(30, '1 minute'), async (request, reply) => {
    const me = await signedIn(request);
    if (me.role !== 'service_admin') throw new ApiError(403, 'forbidden', 'Only the service can create organisations');
    const body = parse(z.object({ name }).strict(), request.body);
    return reply.code(201).send(await organisations.create(body.name));
  });

  app.get('/api/admin/organisation', async (request) => {
    const me = await signedIn(request);
    return organisations.organisation(organisations.scopeOf(me, parse(scopeQuery, request.query).organisationId));
  });

  app.patch('/api/admin/organisation', async (request) => {
    const me = await signedIn(request);
    const query = parse(scopeQuery, request.query);
    const body = parse(z.object({ name }).strict(), request.body);
    return organisations.rename(organisations.scopeOf(me, query.organisationId), body.name);
  });

  app.get('/api/admin/users', async (request) => {
    const me = await signedIn(request);
    return organisations.users(organisations.scopeOf(me, parse(scopeQuery, request.query).organisationId));
  });

  app.patch<{ Params: { id: string } }>('/api/admin/users/:id', async (request) => {
    const me = await signedIn(request);
    const query = parse(scopeQuery, request.query);
    const body = parse(
      z
        .object({
          name: name.optional(),
          email: email.optional(),
          licence: z.boolean().optional(),
          role: z.enum(['member', 'org_admin']).optional(),
        })
        .strict(),
      request.body,
    );
    return organisations.updateUser(
      me,
      organisations.scopeOf(me, query.organisationId),
      parse(id, request.params.id),
      body,
    );
  });

  app.post<{ Params: { id: string } }>(
    '/api/admin/users/:id/invitation',
    limit(20, '1 minute'),
    async (request, reply) => {
      const me = await signedIn(request);
      const query = parse(scopeQuery, request.query);
      await organisations.resendInvitation(
        organisations.scopeOf(me, query.organisationId),
        parse(id, request.params.id),
      );
      return reply.code(202).send({ status: 'sent' });
    },
  );

  app.get('/api/admin/statistics', async (request) => {
    const me = await signedIn(request);
    const query = parse(range, request.query);
    const to = query.to ?? now() + 1; // up to and including now
    return organisations.statistics(organisations.scopeOf(me, query.organisationId), query.from ?? to - 30 * DAY, to);
  });

  app.get('/api/admin/logs', async (request) => {
    const me = await signedIn(request);
    const query = parse(
      range.extend({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      request.query,
    );
    const to = query.to ?? now() + DAY;
    return organisations.logs(
      organisations.scopeOf(me, query.organisationId),
      query.from ?? 0,
      to,
      query.limit,
      query.offset,
    );
  });
}
