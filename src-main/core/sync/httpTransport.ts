/**
 * Sync's three requests over the shared HTTP protocol (protocol/sync `syncRoutes`), for whichever way of
 * sending them the caller has: the app's session (which adds and refreshes the token), or a test's client.
 * Pull and snapshot carry the device's sync schema version, so an outdated device is told to update.
 */
import type { ApiCall, ApiRawCall } from '../../../protocol/client';
import { SYNC_SCHEMA_VERSION, syncRoutes, type SnapshotPosition } from '../../../protocol/sync';
import type { CallLogTransport } from './syncDriver';
import type { SyncTransport } from './syncEngine';

export function httpSyncTransport(send: ApiCall, sendRaw?: ApiRawCall): SyncTransport {
  const device = (id: string | undefined) => (id ? { device: id } : {});
  const snapshotQuery = (position: SnapshotPosition, limit: number, id: string | undefined) => ({
    query: { ...position, limit, schema: SYNC_SCHEMA_VERSION, ...device(id) },
  });
  return {
    ...(sendRaw
      ? { snapshotRaw: (position, limit, id) => sendRaw(syncRoutes.snapshot, snapshotQuery(position, limit, id)) }
      : {}),
    push: (body) => send(syncRoutes.push, { body }),
    pull: (after, limit, id) =>
      send(syncRoutes.pull, { query: { after, limit, schema: SYNC_SCHEMA_VERSION, ...device(id) } }),
    snapshot: (position, limit, id) => send(syncRoutes.snapshot, snapshotQuery(position, limit, id)),
  };
}

/** The user's call log over the same protocol (the account comes from the session). */
export function httpCallLogTransport(send: ApiCall): CallLogTransport {
  return {
    push: (entries) => send(syncRoutes.callLogPush, { body: { entries } }),
    pull: (after, limit) => send(syncRoutes.callLogPull, { query: { after, limit } }),
  };
}

/** The same with a bearer token on every request (tests, the bench, a child process). */
export const bearerSyncTransport = (call: ApiCall, token: () => string, callRaw?: ApiRawCall): SyncTransport =>
  httpSyncTransport(
    (route, input) => call(route, { ...input, auth: { bearer: token() } }),
    callRaw && ((route, input) => callRaw(route, { ...input, auth: { bearer: token() } })),
  );
