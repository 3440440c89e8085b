/**
 * Several server processes on one database (run on SQLite and on PostgreSQL): once-only work through
 * leases, readiness for the load balancer, and the drain of a graceful shutdown. Two server instances share
 * one database here, each with its own pool, as two processes would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ServerContext } from '../../../server/app';
import { Leases } from '../../../server/cluster/leases';
import { loadConfig } from '../../../server/config';
import { openServerDb } from '../../../server/db/database';
import { createTestDatabase, type TestDatabase } from '../../harness/testDatabase';

const clock = { now: Date.UTC(2026, 5, 1, 9) };
let dataDir: string;
let testDb: TestDatabase;
const servers: ServerContext[] = [];

async function startServer(): Promise<{ server: ServerContext; base: string }> {
  const config = loadConfig(
    ['--port=0', `--data-dir=${dataDir}`, '--argon2-memory-ki-b=8192', '--log-level=warn'],
    {},
    '/nonexistent',
  );
  const database = await openServerDb({ dataDir, databaseUrl: testDb.databaseUrl });
  const server = await buildServer({ ...config, databaseUrl: testDb.databaseUrl }, database, 'test', {
    now: () => clock.now,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { server, base: `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}` };
}

/** A registered account's access token, through the server's own routes. */
async function registeredAccount(server: ServerContext, base: string): Promise<string> {
  const invited = await server.accounts.invite({
    email: 'drain@praxis.example',
    role: 'member',
    organisationId: null,
    language: 'en',
  });
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
  const tokens = await post(`/api/registration/${invited!.token}`, {
    username: 'drain',
    password: 'Correct-Horse-7-Battery',
  });
  const token = String(tokens.accessToken);
  await post('/api/account/registration/pin', undefined, token);
  await post('/api/account/registration/pin/confirm', undefined, token);
  await post('/api/account/registration/finish', undefined, token);
  return token;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-cluster-'));
  testDb = await createTestDatabase();
});
afterAll(async () => {
  for (const server of servers) await server.close().catch(() => undefined);
  await testDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('several server processes on one database', () => {
  it('runs the housekeeping in one process only, and another takes over when the holder stops renewing', async () => {
    const a = await startServer(); // its start ran the housekeeping and took the lease
    const b = await startServer();
    expect(await b.server.housekeepingTick()).toBe(false);
    expect(await a.server.housekeepingTick()).toBe(true); // the holder renews
    expect(await b.server.housekeepingTick()).toBe(false);
    // A stops renewing (crashed): after the lease's time, B takes over, and A is then the one left out.
    clock.now += 51 * 60_000;
    expect(await b.server.housekeepingTick()).toBe(true);
    expect(await a.server.housekeepingTick()).toBe(false);
  });

  it('lets exactly one of many racing holders take a free lease', async () => {
    // Separate connections (pools on PostgreSQL), as separate processes have.
    const handles = await Promise.all([0, 1].map(() => openServerDb({ dataDir, databaseUrl: testDb.databaseUrl })));
    try {
      const contenders = Array.from(
        { length: 8 },
        (_, i) => new Leases(handles[i % 2]!.db, () => clock.now, `holder-${i}`),
      );
      const results = await Promise.all(
        contenders.flatMap((lease) => [lease.acquire('race', 60_000), lease.acquire('race', 60_000)]),
      );
      const winners = new Set(results.flatMap((won, i) => (won ? [`holder-${Math.floor(i / 2)}`] : [])));
      expect(winners.size).toBe(1);
      // The winner renews; the others still cannot take it; once released, another can.
      const winner = contenders[Number([...winners][0]!.split('-')[1])]!;
      expect(await winner.acquire('race', 60_000)).toBe(true);
      const other = contenders.find((c) => c !== winner)!;
      expect(await other.acquire('race', 60_000)).toBe(false);
      await winner.release('race');
      expect(await other.acquire('race', 60_000)).toBe(true);
    } finally {
      for (const handle of handles) await handle.close();
    }
  });

  it('answers ready until it drains; draining closes sockets so that their clients reconnect', async () => {
    const { server, base } = await startServer();
    expect(await fetch(`${base}/api/ready`).then((r) => r.status)).toBe(200);
    const accessToken = await registeredAccount(server, base);
    const socket: Socket = connect(base, {
      transports: ['websocket'],
      auth: { token: accessToken },
      reconnection: false,
    });
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    await server.drain();
    const answer = await fetch(`${base}/api/ready`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: { code: 'draining' } });
    // A transport close, not a server-side disconnect: socket.io clients reconnect after the first only.
    await expect.poll(() => reasons).toEqual(['transport close']);
    socket.close();
    // Health (liveness) still answers: the process is alive, only not taking new work.
    expect(await fetch(`${base}/api/health`).then((r) => r.status)).toBe(200);
  });
});
