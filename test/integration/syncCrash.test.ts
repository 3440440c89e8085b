/**
 * Kill -9 of the server (a real process, dist/server/main.cjs, on its SQLite file) while a device pushes
 * and while another pulls. After a restart every change is on the server exactly once (one row per
 * change, each with its own sequence number, the device's acknowledged position at its outbox's end) and
 * both devices hold the same data as the server.
 */
import { bearerSyncTransport } from '../../src-main/core/sync/httpTransport';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../protocol/client';
import { seedSession } from '../harness/seedSession';
import { openServerDb } from '../../server/db/database';
import { SyncEngine, type SyncTransport } from '../../src-main/core/sync/syncEngine';
import { berlin, practiceFixture, type Fixture } from '../harness/practiceFixture';
import { canConnect, freePort, waitFor } from '../harness/services';
import { ROOT } from '../harness/testBridge';

const CLI = join(ROOT, 'dist', 'server', 'main.cjs');
const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-synccrash-'));
const token = randomBytes(32).toString('base64url');
let port = 0;
let server: ChildProcess | null = null;
/** The kill a transport started, to be awaited before the restart. */
let killed: Promise<void> = Promise.resolve();

async function start(): Promise<void> {
  const child = spawn(process.execPath, [CLI, `--port=${port}`, `--data-dir=${dataDir}`, '--argon2-memory-ki-b=8192'], {
    env: { ...process.env, CLINICDESK_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  server = child;
  await waitFor(`server on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
    return canConnect(port);
  });
}

async function kill(): Promise<void> {
  const child = server!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  server = null;
}

const call = () => createApiClient({ baseUrl: () => `http://127.0.0.1:${port}` });
const transport: SyncTransport = bearerSyncTransport(
  (route, input) => call()(route, input),
  () => token,
);

/** A transport that kills the server right after sending its `nth` request (the answer never comes). */
function killing(nth: number, kind: 'push' | 'pull'): SyncTransport {
  let n = 0;
  return {
    push: (body) => {
      const sent = transport.push(body);
      if (kind === 'push' && (n += 1) === nth) killed = kill();
      return sent;
    },
    pull: (after, limit, device) => {
      const sent = transport.pull(after, limit, device);
      if (kind === 'pull' && (n += 1) === nth) killed = kill();
      return sent;
    },
    // A first download's pages count as pulls: the server dies while it answers one of them.
    snapshot: (position, limit, device) => {
      const sent = transport.snapshot(position, limit, device);
      if (kind === 'pull' && (n += 1) === nth) killed = kill();
      return sent;
    },
  };
}

beforeAll(async () => {
  port = await freePort();
  // An account with a session, written into the server's database before the first start.
  const database = await openServerDb(dataDir);
  await seedSession(database.db, token, 'crash');
  await database.close();
  await start();
}, 60_000);

afterAll(async () => {
  if (server) await kill();
  rmSync(dataDir, { recursive: true, force: true });
});

const rowsOf = (fx: Fixture, table: string) =>
  (fx.core.db.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Record<string, unknown>[]).map(
    ({ hlc: _h, field_hlc: _f, ...rest }) => rest,
  );

describe('kill -9 of the server during sync', () => {
  const a = practiceFixture(berlin('2026-06-01', 10));
  a.clock.now = Date.now();
  const engine = (fx: Fixture, t: SyncTransport, batch: number) =>
    new SyncEngine(fx.core.db, fx.core.repository.clock, { id: fx.core.repository.clock.node, name: 'x' }, t, batch);

  it('loses and duplicates nothing when the server dies in the middle of a push', async () => {
    for (let i = 0; i < 1500; i += 1) a.patient({ firstName: 'Crash', lastName: `Test${i}`, mobile: null });
    const outboxEnd = (a.core.db.prepare('SELECT max(seq) AS n FROM outbox').get() as { n: number }).n;
    await expect(engine(a, killing(4, 'push'), 100).push()).rejects.toBeTruthy();
    await killed;
    expect(server).toBeNull();
    await start();
    await engine(a, transport, 100).push();
    expect(a.core.sync.pending()).toBe(0);
    const database = await openServerDb(dataDir);
    try {
      const rows = await database.db.selectFrom('sync_rows').select(['table_name', 'row_id', 'seq']).execute();
      const patients = rows.filter((r) => r.table_name === 'patients');
      expect(patients).toHaveLength(1500);
      expect(new Set(rows.map((r) => r.seq)).size).toBe(rows.length);
      const device = await database.db.selectFrom('sync_devices').selectAll().executeTakeFirstOrThrow();
      expect(Number(device.acked_seq)).toBe(outboxEnd);
    } finally {
      await database.close();
    }
  });

  it('a device downloading while the server dies carries on where it stood and ends with the same data', async () => {
    const b = practiceFixture(berlin('2026-06-01', 10));
    b.clock.now = Date.now();
    const pulling = engine(b, killing(3, 'pull'), 100);
    await expect(pulling.adoptAccountPractice()).rejects.toBeTruthy();
    await killed;
    // The pages before the crash stay applied, and the download resumes after them (not from the start).
    const kept = b.core.sync.download(b.clock.now)!;
    expect(kept.received).toBeGreaterThan(0);
    expect(b.count('practice')).toBe(1);
    await start();
    await engine(b, transport, 100).pull();
    for (const table of ['practice', 'tenants', 'practitioners', 'appointment_types', 'patients', 'templates'])
      expect(rowsOf(b, table), table).toEqual(rowsOf(a, table));
    b.core.close();
    a.core.close();
  });
});
