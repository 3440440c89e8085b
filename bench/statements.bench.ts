/**
 * SQLite statements read again and again with new values (issue 13): a statement joining two tables is
 * prepared again by SQLite each time new parameters are bound to it, so the hot reads now take one table
 * and the other's column by a subquery. Each product statement beside the join it replaced (the baseline),
 * same database, same values, in the same run: the server's relay participant check and a peer's calls
 * (through Kysely on the server's SQLite), and the desktop core's appointment by id (better-sqlite3).
 * Clock: n reads one after the other with a new value each, per read; three runs, the median run.
 *
 * PostgreSQL (issue 17): the same server reads on a throw-away PostgreSQL through the server's database
 * with its statements prepared (server/db/pgPreparedStatements.ts) beside the same database with them off
 * (every statement parsed and planned at each execution, as before): wall time per read, and the CPU the
 * PostgreSQL backend spent per read (`/proc`, each side has one connection).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../server/accounts/accountService';
import { CallState } from '../server/calls/callState';
import { ContactService } from '../server/contacts/contactService';
import { openServerDb } from '../server/db/database';
import { openDatabase } from '../src-main/core/db/database';
import { SELECT, SELECT_ONE } from '../src-main/core/practice/agendaService';
import { sql } from 'kysely';
import { startPostgres } from '../test/harness/services';
import { seedPairs } from './signalling.bench';
import { activeProfile, cpuPerUnit, loadAverage, medianRun, RUNS } from './stats';

const READS = 5000;

/** µs per read of `read(i)` over READS reads (after as many to warm up), per run. */
async function perRead(read: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < READS; i += 1) await read(i);
  const started = performance.now();
  for (let i = 0; i < READS; i += 1) await read(i);
  return ((performance.now() - started) * 1000) / READS;
}

async function compare(name: string, product: (i: number) => unknown, joined: (i: number) => unknown) {
  const runs: { product: number; joined: number }[] = [];
  for (let run = 0; run < RUNS; run += 1) runs.push({ joined: await perRead(joined), product: await perRead(product) });
  const median = medianRun(runs, (run) => run.product);
  const each = runs.map((run) => `${run.product.toFixed(1)} / ${run.joined.toFixed(1)}`).join(', ');
  console.log(
    `  ${name}: ${median.product.toFixed(1)} µs per read; what it replaced ${median.joined.toFixed(1)} µs ` +
      `(${(median.product / median.joined).toFixed(2)}×; median run); runs (µs): ${each}`,
  );
}

/** The server's socket and presence reads on PostgreSQL, prepared and not, in the same run. */
async function preparedOnPostgres(dir: string): Promise<void> {
  const pg = await startPostgres();
  if (!('url' in pg)) {
    console.log(`  PostgreSQL: skipped (${pg.skipped})`);
    return;
  }
  try {
    const open = (preparedStatements: boolean) =>
      openServerDb({
        dataDir: join(dir, `pg-${preparedStatements}`),
        databaseUrl: pg.url,
        poolSize: 1,
        preparedStatements,
      });
    const prepared = await open(true);
    const unnamed = await open(false);
    // 10,000 peers with a socket each on one live process.
    const peers = Array.from({ length: 10_000 }, () => randomUUID());
    await prepared.db
      .insertInto('signal_processes')
      .values({ id: 'bench', seen_at: Date.now() + 3_600_000 })
      .execute();
    for (let i = 0; i < peers.length; i += 1000)
      await prepared.db
        .insertInto('signal_sockets')
        .values(
          peers
            .slice(i, i + 1000)
            .map((peer_id) => ({ socket_id: `s-${peer_id}`, peer_id, process_id: 'bench', tab_id: null })),
        )
        .execute();
    await sql`analyze`.execute(prepared.db);
    const backend = async (db: typeof prepared.db) =>
      Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid);
    const sides = [
      { name: 'prepared', db: prepared.db, pid: await backend(prepared.db) },
      { name: 'unnamed', db: unnamed.db, pid: await backend(unnamed.db) },
    ];
    const peer = (i: number) => peers[i % peers.length]!;
    const reads: [string, (db: typeof prepared.db, i: number) => unknown][] = [
      ["a new socket's facts", (db, i) => new CallState(db, 60_000).connectionFacts(db, peer(i), `new-${i}`)],
      ["a peer's presence", (db, i) => new CallState(db, 60_000).statuses(db, [peer(i)])],
    ];
    for (const [name, read] of reads) {
      const runs: Record<string, { wall: number; cpu: number }>[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const each: Record<string, { wall: number; cpu: number }> = {};
        for (const side of sides) {
          const { result: wall, cpu } = await cpuPerUnit(
            [side.pid],
            () => perRead((i) => read(side.db, i)),
            () => READS * 2, // perRead warms up with as many reads as it times
          );
          each[side.name] = { wall, cpu };
        }
        runs.push(each);
      }
      const median = medianRun(runs, (run) => run.prepared!.cpu);
      const { prepared: p, unnamed: u } = median as {
        prepared: { wall: number; cpu: number };
        unnamed: { wall: number; cpu: number };
      };
      console.log(
        `  PostgreSQL, ${name}: prepared ${p.wall.toFixed(0)} µs per read, backend CPU ${p.cpu.toFixed(0)} µs; ` +
          `unnamed ${u.wall.toFixed(0)} µs, backend CPU ${u.cpu.toFixed(0)} µs (CPU ${(p.cpu / u.cpu).toFixed(2)}×; median run); ` +
          `runs' backend CPU (µs): ${runs.map((r) => `${r.prepared!.cpu.toFixed(0)} / ${r.unnamed!.cpu.toFixed(0)}`).join(', ')}`,
      );
    }
    await prepared.close();
    await unnamed.close();
  } finally {
    await pg.stop();
  }
}

export async function runStatementsBench(): Promise<void> {
  console.log(
    '\n# statements read with new values each time (SQLite: one table + subqueries vs the joins replaced; PostgreSQL: prepared vs unnamed)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-statements-'));
  try {
    // Server: 5,000 active two-person calls.
    const server = await openServerDb(join(dir, 'server'));
    const calls = Array.from({ length: 5000 }, () => ({ id: randomUUID(), peers: [randomUUID(), randomUUID()] }));
    for (let i = 0; i < calls.length; i += 500) {
      const batch = calls.slice(i, i + 500);
      await server.db
        .insertInto('signal_calls')
        .values(
          batch.map((c) => ({
            id: c.id,
            kind: 'contact' as const,
            host_id: c.peers[0]!,
            state: 'active' as const,
            started_at: 1,
            data: '{}',
          })),
        )
        .execute();
      await server.db
        .insertInto('signal_call_peers')
        .values(
          batch.flatMap((c) =>
            c.peers.map((peer_id) => ({ call_id: c.id, peer_id, role: 'participant' as const, deadline: null })),
          ),
        )
        .execute();
    }
    const state = new CallState(server.db, 60_000);
    const call = (i: number) => calls[i % calls.length]!;
    await compare(
      "server: the relay's participant check",
      (i) => state.activeParticipants(call(i).id),
      (i) =>
        server.db
          .selectFrom('signal_call_peers as m')
          .innerJoin('signal_calls as c', 'c.id', 'm.call_id')
          .select(['m.peer_id', 'c.version'])
          .where('m.role', '=', 'participant')
          .where('c.state', '=', 'active')
          .where('m.call_id', '=', call(i).id)
          .execute(),
    );
    // Presence: each call's peers have a socket on one live process.
    await server.db
      .insertInto('signal_processes')
      .values({ id: 'bench', seen_at: Date.now() + 3_600_000 })
      .execute();
    for (let i = 0; i < calls.length; i += 250)
      await server.db
        .insertInto('signal_sockets')
        .values(
          calls
            .slice(i, i + 250)
            .flatMap((c) =>
              c.peers.map((peer_id) => ({ socket_id: randomUUID(), peer_id, process_id: 'bench', tab_id: null })),
            ),
        )
        .execute();
    await server.db
      .insertInto('signal_peers')
      .values(calls.slice(0, 500).flatMap((c) => c.peers.map((peer_id) => ({ peer_id }))))
      .execute();
    await compare(
      "server: a peer's presence",
      (i) => state.statuses(server.db, [call(i).peers[0]!]),
      // As it was before issue 13's work: three queries, two of them joins.
      async (i) => {
        const ids = [call(i).peers[0]!];
        await server.db
          .selectFrom('signal_sockets as s')
          .innerJoin('signal_processes as p', 'p.id', 's.process_id')
          .select('s.peer_id')
          .distinct()
          .where('s.peer_id', 'in', ids)
          .where('p.seen_at', '>', Date.now() - 60_000)
          .execute();
        await server.db
          .selectFrom('signal_call_peers as m')
          .innerJoin('signal_calls as c', 'c.id', 'm.call_id')
          .select(['m.peer_id', 'c.version'])
          .where('m.role', '=', 'participant')
          .where('c.state', '=', 'active')
          .where('m.peer_id', 'in', ids)
          .execute();
        await server.db
          .selectFrom('signal_peers')
          .select('peer_id')
          .where('peer_id', 'in', ids)
          .where('busy', '=', 1)
          .execute();
      },
    );
    // The contact list as an invitation checks it: 5,000 two-person organisations.
    const seeded = await seedPairs(server.db, 10_000);
    await server.db.updateTable('accounts').set({ licence: 1 }).execute();
    const contacts = new ContactService(server.db);
    const rows = await server.db
      .selectFrom('accounts')
      .select(['id', 'email', 'name', 'username', 'organisation_id'])
      .where(
        'id',
        'in',
        seeded.slice(0, 200).map((peer) => peer.id),
      )
      .execute();
    const people: Profile[] = rows.map((row) =>
      activeProfile({
        id: row.id,
        email: row.email,
        name: row.name,
        username: row.username,
        organisationId: row.organisation_id,
      }),
    );
    // The list as it was: both of its queries with the organisation joined.
    const joinedReachable = () =>
      server.db
        .selectFrom('accounts')
        .leftJoin('organisations', 'organisations.id', 'accounts.organisation_id')
        .select([
          'accounts.id',
          'accounts.name',
          'accounts.username',
          'accounts.organisation_id',
          'organisations.name as organisation_name',
        ])
        .where('accounts.status', '=', 'active')
        .where('accounts.registered_at', 'is not', null)
        .where('accounts.licence', '=', 1)
        .where('accounts.deleted_at', 'is', null);
    const person = (i: number) => people[i % people.length]!;
    await compare(
      "server: a user's contact list (colleagues and added)",
      (i) => contacts.list(person(i)),
      async (i) => {
        await joinedReachable()
          .where('accounts.organisation_id', '=', person(i).organisationId!)
          .where('accounts.id', '!=', person(i).id)
          .execute();
        await joinedReachable()
          .innerJoin('contacts', 'contacts.contact_id', 'accounts.id')
          .where('contacts.owner_id', '=', person(i).id)
          .execute();
      },
    );
    await server.close();

    // Desktop core: an appointment by id, as the agenda service prepares it, against the joined form.
    const core = openDatabase(join(dir, 'core.sqlite'));
    const one = core.prepare(`${SELECT_ONE} WHERE a.id = ?`);
    const joined = core.prepare(`${SELECT} WHERE a.id = ?`);
    const ids = Array.from({ length: 100 }, () => randomUUID());
    await compare(
      'core: an appointment by id',
      (i) => one.get(ids[i % ids.length]),
      (i) => joined.get(ids[i % ids.length]),
    );
    core.close();
    await preparedOnPostgres(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  load average ${loadAverage()}`);
}
