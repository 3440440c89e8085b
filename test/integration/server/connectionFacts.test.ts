/**
 * `CallState.connectionFacts` answers in one query what a new socket's registration asked in four (its
 * peer's other live sockets, its grace, its calls, the patients knocking for it). Checked against those
 * separate reads — the presence query (`online`), `callsOf`, and plain selects of the grace and the waiting
 * rooms — over random states of sockets on live and dead processes, graces, calls and knocks, on SQLite and
 * on PostgreSQL (the `integration-pg` project).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallState, type Call, type CallStateName, type PeerInfo } from '../../../server/calls/callState';
import { openServerDb, type ServerDb } from '../../../server/db/database';
import { createTestDatabase, type TestDatabase } from '../../harness/testDatabase';

const DEAD_AFTER_MS = 60_000;
let testDb: TestDatabase;
let server: ServerDb;
let dataDir: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-facts-'));
  server = await openServerDb({ dataDir, databaseUrl: testDb.databaseUrl });
});
afterAll(async () => {
  await server?.close();
  await testDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A small deterministic generator (the same states on every run). */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const peerInfo = (id: string, kind: PeerInfo['kind'] = 'account'): PeerInfo => ({
  id,
  kind,
  name: id,
  organisationId: null,
});

describe('the facts a new socket registers with', () => {
  it('are what the separate reads say, over random states', async () => {
    const { db } = server;
    const live = new CallState(db, DEAD_AFTER_MS);
    const dead = new CallState(db, DEAD_AFTER_MS);
    await live.beat();
    await dead.beat();
    await db
      .updateTable('signal_processes')
      .set({ seen_at: Date.now() - 10 * DEAD_AFTER_MS })
      .where('id', '=', dead.processId)
      .execute();
    const next = random(17);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    const all: Awaited<ReturnType<CallState['connectionFacts']>>[] = [];
    for (let round = 0; round < 12; round += 1) {
      const peers = Array.from({ length: 6 }, (_, i) => `r${round}-p${i}`);
      let socket = 0;
      for (const peer of peers) {
        for (let k = Math.floor(next() * 3); k > 0; k -= 1)
          await (next() < 0.5 ? live : dead).addSocket(`r${round}-s${socket++}`, peer);
        if (next() < 0.3) await live.startGrace(peer, Date.now() + 1000 + Math.floor(next() * 1000));
        if (next() < 0.3) await live.setBusy(peer, true);
      }
      for (let c = 0; c < 4; c += 1) {
        const kind = pick(['contact', 'group', 'guest'] as const);
        const state: CallStateName =
          kind === 'guest' ? pick(['waiting', 'active'] as const) : pick(['ringing', 'active'] as const);
        const host = pick(peers);
        const others = peers.filter((p) => p !== host && next() < 0.4);
        const call: Call = {
          id: `r${round}-c${c}`,
          kind,
          name: '',
          hostId: host,
          organisationId: null,
          state,
          // A waiting room holds the patient only; otherwise the host and some colleagues, some still ringing.
          participants: new Map(
            kind === 'guest' && state === 'waiting'
              ? [[`guest:r${round}-${c}`, peerInfo(`guest:r${round}-${c}`, 'guest')]]
              : [host, ...others.filter(() => next() < 0.5)].map((p) => [p, peerInfo(p)]),
          ),
          invited: new Map(
            others.filter(() => next() < 0.5).map((p) => [p, { ...peerInfo(p), deadline: Date.now() + 30_000 }]),
          ),
          joined: new Set(),
          invitations: 0,
          startedAt: null,
          version: 0,
        };
        for (const p of call.participants.keys()) call.invited.delete(p);
        await db.transaction().execute((trx) => live.insert(trx, call));
      }
      for (const peer of peers) {
        // The socket that registers: on the live process, as every new socket is.
        const mine = `r${round}-new-${peer}`;
        await live.addSocket(mine, peer);
        const facts = await live.connectionFacts(db, peer, mine);
        const grace = await db
          .selectFrom('signal_peers')
          .select('grace_until')
          .where('peer_id', '=', peer)
          .executeTakeFirst();
        const knocks = await db
          .selectFrom('signal_calls')
          .select('id')
          .where('host_id', '=', peer)
          .where('kind', '=', 'guest')
          .where('state', '=', 'waiting')
          .execute();
        expect(facts.elsewhere).toBe((await live.online(db, [peer], mine)).has(peer));
        expect(facts.graceUntil).toBe(grace?.grace_until == null ? null : Number(grace.grace_until));
        expect(facts.calls).toEqual(await live.callsOf(db, peer));
        expect([...facts.knocks].sort()).toEqual(knocks.map((k) => k.id).sort());
        all.push(facts);
      }
    }
    expect(all).toHaveLength(72);
    // The states were varied: each kind of fact was there for some peers and not for others.
    expect(all.some((f) => f.elsewhere) && all.some((f) => !f.elsewhere)).toBe(true);
    expect(all.some((f) => f.graceUntil !== null) && all.some((f) => f.graceUntil === null)).toBe(true);
    expect(all.some((f) => f.calls.length > 0) && all.some((f) => f.calls.length === 0)).toBe(true);
    expect(all.some((f) => f.knocks.length > 0)).toBe(true);
  });
});
