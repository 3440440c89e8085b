/**
 * The server's prepared statements on PostgreSQL (server/db/pgPreparedStatements.ts), seen from the
 * database itself (`pg_prepared_statements` of the connection, `pg_backend_pid()`), not from the wrapper's
 * own bookkeeping: a statement is prepared from its second use, answers as the unnamed one does, a
 * connection never holds more than its bound (a young one runs further texts unnamed, an old one is
 * replaced), long texts and batches are not prepared, nothing is prepared before `start`, a table changed
 * under a prepared statement (another process migrating) or a statement node-postgres closed after a value
 * it could not send costs a query outside a transaction nothing and fails one inside, and the connection
 * is then replaced. The server's own database opens with them on, or off when configured so.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openServerDb } from '../../server/db/database';
import { withPreparedStatements, type PreparingPool } from '../../server/db/pgPreparedStatements';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../harness/testDatabase';

const skipped = postgresUnavailable();

interface Db {
  items: { id: number; label: string };
}

let database: TestDatabase;
let pool: pg.Pool;
let preparing: PreparingPool;
let db: Kysely<Db>;
/** Another connection, as another server process would have. */
let other: pg.Client;

const open = async (options: Parameters<typeof withPreparedStatements>[1] = {}) => {
  // One connection: every query of the test runs on it, so its prepared statements are what it shows.
  pool = new pg.Pool({ connectionString: database.databaseUrl, max: 1 });
  preparing = withPreparedStatements(pool, options);
  db = new Kysely<Db>({ dialect: new PostgresDialect({ pool: preparing }) });
};

let asked = 0;
/**
 * The statements the pool's connection has prepared, and its backend, asked on that connection — in a text
 * of its own each time (a comment that counts), so that this question is never prepared itself.
 */
const connectionState = async () => {
  asked += 1;
  const { rows } = await sql<{ pid: number; names: string[] }>`
    select ${sql.raw(`/* ${asked} */`)} pg_backend_pid() as pid,
           coalesce(array_agg(name order by name) filter (where name is not null), '{}') as names
    from (select name from pg_prepared_statements where not from_sql) p right join (select 1) one on true`.execute(db);
  return rows[0]!;
};

const byId = (id: number) => db.selectFrom('items').select(['id', 'label']).where('id', '=', id).execute();
/** The items of a label; anything may be passed, as a caller could. */
const byLabel = (on: Kysely<Db>, label: unknown) =>
  on
    .selectFrom('items')
    .select('id')
    .where('label', '=', label as string)
    .execute();

// The ids 1…n, on the given connection (or the pool).
const inList = (n: number, on: Kysely<Db> = db) =>
  on
    .selectFrom('items')
    .select('id')
    .where(
      'id',
      'in',
      Array.from({ length: n }, (_, k) => k + 1),
    )
    .execute();

describe.skipIf(skipped !== null)(`prepared statements on PostgreSQL${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    other = new pg.Client({ connectionString: database.databaseUrl });
    await other.connect();
    await other.query(`create table items (id integer primary key, label text not null)`);
    await other.query(`insert into items select g, 'item ' || g from generate_series(1, 50) g`);
  });
  afterEach(async () => {
    await db?.destroy();
    await other?.end();
    await database?.drop();
  });

  it('prepares a statement at its second use, on that connection, with the same answers', async () => {
    await open();
    preparing.start();
    expect(await byId(3)).toEqual([{ id: 3, label: 'item 3' }]);
    expect((await connectionState()).names).toEqual([]);
    expect(await byId(4)).toEqual([{ id: 4, label: 'item 4' }]);
    const { names, pid } = await connectionState();
    expect(names).toHaveLength(1);
    // Used again with other values, on the same backend, and still answering as the unnamed statement did.
    for (let id = 5; id < 15; id += 1) expect(await byId(id)).toEqual([{ id, label: `item ${id}` }]);
    expect(await byId(999)).toEqual([]);
    expect(await connectionState()).toEqual({ pid, names });
    expect(preparing.stats().named).toBe(1);
  });

  it('prepares nothing before start (the migrations run unnamed)', async () => {
    await open();
    for (let id = 1; id < 5; id += 1) await byId(id);
    expect((await connectionState()).names).toEqual([]);
    preparing.start();
    await byId(1);
    await byId(2);
    expect((await connectionState()).names).toHaveLength(1);
  });

  it('replaces a connection that holds its bound of prepared statements, and never exceeds it', async () => {
    // Every connection counts as old enough to be renewed.
    await open({ perConnection: 3, renewAfterMs: 0 });
    preparing.start();
    const first = (await connectionState()).pid;
    // Five statement texts (IN lists of five lengths), each used three times: the connection takes three
    // and runs the others unnamed, and is closed when released.
    await db.connection().execute(async (conn) => {
      for (let round = 0; round < 3; round += 1)
        for (let n = 1; n <= 5; n += 1) expect(await inList(n, conn)).toHaveLength(n);
      const state = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(conn);
      expect(state.rows[0]!.n).toBe(3);
    });
    expect(preparing.stats().replaced).toBe(1);
    // The next checkout is a fresh backend with nothing prepared; it prepares again as it goes.
    const after = await connectionState();
    expect(after.pid).not.toBe(first);
    expect(after.names).toEqual([]);
    await inList(2);
    expect((await connectionState()).names).toHaveLength(1);
  });

  it('keeps a young connection at its bound and runs further texts unnamed, without closing it', async () => {
    let clock = 0;
    await open({ perConnection: 2, renewAfterMs: 60_000, now: () => clock });
    preparing.start();
    const { pid } = await connectionState();
    for (let round = 0; round < 3; round += 1) for (let n = 1; n <= 4; n += 1) expect(await inList(n)).toHaveLength(n);
    expect(await connectionState()).toEqual({ pid, names: [expect.any(String), expect.any(String)] });
    expect(preparing.stats().replaced).toBe(0);
    // Ten minutes on, the connection is renewed at its next release after a text it could not take.
    clock = 60_000;
    await inList(4);
    expect(preparing.stats().replaced).toBe(1);
    expect((await connectionState()).pid).not.toBe(pid);
  });

  it('does not prepare a batch: a statement with many parameters or a long text', async () => {
    await open();
    preparing.start();
    for (let round = 0; round < 3; round += 1) {
      expect(await inList(33)).toHaveLength(33);
      // A text of over 4,000 characters (one parameter).
      const long = await sql<{
        id: number;
      }>`select id from items where label = ${'item 1'} /* ${sql.raw('-'.repeat(4_000))} */`.execute(db);
      expect(long.rows).toEqual([{ id: 1 }]);
    }
    expect((await connectionState()).names).toEqual([]);
    expect(preparing.stats().named).toBe(0);
  });

  it('replaces a connection whose statement node-postgres closed after a value it could not send', async () => {
    await open();
    preparing.start();
    await byLabel(db, 'item 1');
    expect(await byLabel(db, 'item 2')).toEqual([{ id: 2 }]);
    const { pid } = await connectionState();
    // JSON cannot carry a BigInt: node-postgres fails while binding and closes the statement it had parsed,
    // though it still believes it prepared. The connection is not used again.
    await expect(byLabel(db, { n: 1n })).rejects.toThrow(/BigInt/);
    expect(await byLabel(db, 'item 3')).toEqual([{ id: 3 }]);
    expect((await connectionState()).pid).not.toBe(pid);
    expect(preparing.stats().retried).toBe(0);
  });

  it('runs a statement unnamed that node-postgres closed earlier on the same connection', async () => {
    await open();
    preparing.start();
    await db.connection().execute(async (conn) => {
      await byLabel(conn, 'item 1');
      await byLabel(conn, 'item 2');
      await expect(byLabel(conn, { n: 1n })).rejects.toThrow(/BigInt/);
      // Still on that connection: PostgreSQL no longer has the statement (26000), so it runs unnamed.
      expect(await byLabel(conn, 'item 3')).toEqual([{ id: 3 }]);
    });
    expect(preparing.stats().retried).toBe(1);
  });

  it('runs a statement again unnamed after another process changed its table, and replaces the connection', async () => {
    await open();
    preparing.start();
    const all = () => db.selectFrom('items').selectAll().where('id', '<', 3).orderBy('id').execute();
    await all();
    await all();
    const { pid } = await connectionState();
    expect((await connectionState()).names).toHaveLength(1);
    // Another process migrates: the prepared `select *` would now return another row type.
    await other.query(`alter table items add column note text`);
    expect(await all()).toEqual([
      { id: 1, label: 'item 1', note: null },
      { id: 2, label: 'item 2', note: null },
    ]);
    expect(preparing.stats().retried).toBe(1);
    // That connection was closed at its release: the next query runs on a fresh backend.
    expect((await connectionState()).pid).not.toBe(pid);
  });

  it('fails a transaction whose prepared statement went stale, and the next one succeeds', async () => {
    await open();
    preparing.start();
    const all = (q: Kysely<Db>) => q.selectFrom('items').selectAll().where('id', '<', 3).execute();
    await all(db);
    await all(db);
    await other.query(`alter table items add column note text`);
    // PostgreSQL ends the transaction at the refused execution: nothing in it may be taken as done.
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 100, label: 'in the failed transaction' }).execute();
        return all(trx);
      }),
    ).rejects.toMatchObject({ code: '0A000' });
    expect(await byId(100)).toEqual([]);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 101, label: 'in the next one' }).execute();
      expect(await all(trx)).toHaveLength(2);
    });
    expect(await byId(101)).toEqual([{ id: 101, label: 'in the next one' }]);
  });

  it.each([true, false])('opens the server database with prepared statements %s', async (preparedStatements) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-prepared-'));
    const server = await openServerDb({
      dataDir,
      databaseUrl: database.databaseUrl,
      poolSize: 1,
      preparedStatements,
    });
    try {
      // The migrations ran unnamed; a frequent statement after them is prepared (when on).
      for (let i = 0; i < 3; i += 1)
        await server.db.selectFrom('accounts').select('id').where('id', '=', `a${i}`).execute();
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
        server.db,
      );
      expect(rows[0]!.n).toBe(preparedStatements ? 1 : 0);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
