/**
 * Sync routes: push a device's outbox, pull the practice's changes. Signed-in, registered, licensed
 * accounts only (the guard); the practice comes from the account. Pushes are bounded in count by the
 * schema and in bytes by the body limit.
 */
import type { FastifyInstance } from 'fastify';
import { syncRoutes as routes } from '../../protocol/sync';
import type { CallLogSync } from '../sync/callLogSync';
import { requireSchema, type SyncService } from '../sync/syncService';
import { limit } from './accountRoutes';
import type { Guard } from './auth';
import { serve } from './serve';

export function registerSyncRoutes(
  app: FastifyInstance,
  sync: SyncService,
  callLog: CallLogSync,
  signedIn: Guard,
): void {
  serve(app, routes.push, async ({ request, body }) => sync.push(await signedIn(request), body), {
    ...limit(600, '1 minute'),
    bodyLimit: 8 * 1024 * 1024,
  });
  serve(
    app,
    routes.pull,
    async ({ request, query }) => {
      requireSchema(query.schema);
      return sync.pull(await signedIn(request), query.after, query.limit, query.device);
    },
    limit(600, '1 minute'),
  );
  serve(
    app,
    routes.snapshot,
    async ({ request, query }) => {
      requireSchema(query.schema);
      const { device, schema: _schema, ...position } = query;
      return sync.snapshot(await signedIn(request), position, device);
    },
    { ...limit(600, '1 minute'), packed: true },
  );
  // The caller's own call log: the account from the session, so a colleague's log is out of reach.
  serve(app, routes.callLogPush, async ({ request, body }) => callLog.push(await signedIn(request), body.entries), {
    ...limit(120, '1 minute'),
    bodyLimit: 1024 * 1024,
  });
  serve(
    app,
    routes.callLogPull,
    async ({ request, query }) => callLog.pull(await signedIn(request), query.after, query.limit),
    limit(600, '1 minute'),
  );
  serve(
    app,
    routes.devices,
    async ({ request }) => ({ devices: await sync.devices(await signedIn(request)) }),
    limit(120, '1 minute'),
  );
  serve(
    app,
    routes.revokeDevice,
    async ({ request, params }) => {
      await sync.revoke(await signedIn(request), params.id);
      return { done: true as const };
    },
    limit(30, '1 minute'),
  );
}
