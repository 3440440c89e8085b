/**
 * The server's embedded SQLite under a burst of concurrent queries (sockets connecting after a restart each
 * ask a dozen questions at once): the same point lookups through Kysely with the server's queued dialect,
 * beside Kysely's own SQLite dialect (its mutex) on the same database as the baseline, in the same run.
 * The clock: from issuing the burst to the last answer, in this process; per query = that over the count.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDialectConfig } from 'kysely';
import { QueuedSqliteDialect } from '../server/db/queuedSqliteDialect';
import { withStatementCache } from '../server/db/statementCache';
import { eachRun, loadAverage, medianRun, RUNS } from './stats';

interface Tables {
  t: { id: number; v: string };
}

/** Milliseconds for `n` concurrent point lookups over a fresh in-memory database with `dialect`. */
async function burst(dialect: (config: SqliteDialectConfig) => SqliteDialect, n: number): Promise<number> {
  const db = new Kysely<Tables>({ dialect: dialect({ database: withStatementCache(new Database(':memory:')) }) });
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`.execute(db);
  await db
    .insertInto('t')
    .values(Array.from({ length: 100 }, (_, i) => ({ id: i, v: `v${i}` })))
    .execute();
  const lookups = (count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        db
          .selectFrom('t')
          .select('v')
          .where('id', '=', i % 100)
          .execute(),
      ),
    );
  await lookups(500); // warm: the statement prepared, the code optimised
  const started = performance.now();
  await lookups(n);
  const ms = performance.now() - started;
  await db.destroy();
  return ms;
}

export async function runServerDbBench(): Promise<void> {
  console.log('\n# server SQLite: a burst of concurrent queries (queued connection vs Kysely mutex)');
  for (const n of [250, 1000, 4000]) {
    const runs: { queued: number; mutex: number }[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const mutex = await burst((config) => new SqliteDialect(config), n);
      const queued = await burst((config) => new QueuedSqliteDialect(config), n);
      runs.push({ queued, mutex });
    }
    const { queued, mutex } = medianRun(runs, (run) => run.queued);
    const perQuery = (ms: number) => `${((ms * 1000) / n).toFixed(1)} µs`;
    console.log(
      `  ${String(n).padStart(4)} at once: queued ${perQuery(queued)}/query, Kysely's mutex ${perQuery(mutex)}/query ` +
        `(${(queued / mutex).toFixed(2)}×; median run); ${eachRun(runs, (run) => `${perQuery(run.queued)} vs ${perQuery(run.mutex)}`)}`,
    );
  }
  console.log(`  load average ${loadAverage()}`);
}
