/**
 * The server's prepared statements on PostgreSQL (server/db/pgPreparedStatements.ts), seen from the
 * database itself (`pg_prepared_statements` of the connection, `pg_backend_pid()`), not from the wrapper's
 * own bookkeeping: a statement is prepared from its second use, answers as the unnamed one does, a
 * connection never holds more than its bound (it is replaced instead), nothing is prepared before `start`,
 * and a table changed under a prepared statement (another process migrating) costs a query outside a
 * transaction nothing and fails one inside, whose connection is then replaced.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    await open({ perConnection: 3 });
    preparing.start();
    const first = (await connectionState()).pid;
    // Five statement texts (IN lists of five lengths), each used three times: the connection takes three
    // and runs the others unnamed, and is closed when released.
    const inList = (n: number) =>
      db
        .selectFrom('items')
        .select('id')
        .where(
          'id',
          'in',
          Array.from({ length: n }, (_, k) => k + 1),
        )
        .execute();
    await db.connection().execute(async (conn) => {
      for (let round = 0; round < 3; round += 1)
        for (let n = 1; n <= 5; n += 1) {
          expect(
            await conn
              .selectFrom('items')
              .select('id')
              .where(
                'id',
                'in',
                Array.from({ length: n }, (_, k) => k + 1),
              )
              .execute(),
          ).toHaveLength(n);
        }
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
});
