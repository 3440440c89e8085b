/**
 * node-postgres for Kysely with the server's frequent statements prepared once per connection.
 *
 * Kysely sends every query as an unnamed statement, which PostgreSQL parses, analyses and plans at every
 * execution. For the short queries a socket's connection or a call's change runs, planning is most of the
 * database's work: asked 5,000 times on one connection, the connection's facts (a union of four reads) cost
 * PostgreSQL 220 µs of CPU unnamed and 40 µs as a named statement, a peer's presence 155 µs and 36 µs — and
 * on a busy server PostgreSQL shares the cores with the server processes (issue 17: PostgreSQL used 85 % of
 * a core while 20,000 sockets connected). A named statement is parsed once per connection; after five
 * executions PostgreSQL keeps a generic plan where it costs no more than the custom ones (its plan cache).
 * This is what the JDBC driver and postgres.js do by default; node-postgres does it for a query given a
 * name, and this gives each statement text one.
 *
 * Bounded, as the SQLite statement cache (statementCache.ts): IN lists of every length are distinct texts.
 * A text gets a name when it is seen the second time (a one-off statement is not kept by PostgreSQL), names
 * are given to at most `names` texts per process, and a connection holding `perConnection` prepared statements
 * is closed when it is next released (the pool opens a fresh one): node-postgres has no public way to forget
 * a prepared statement, and a connection's prepared statements are all it takes with it.
 *
 * A table changed under a prepared statement (another process migrating during a rolling update) makes
 * PostgreSQL refuse its next execution ("cached plan must not change result type", 0A000): that connection
 * is closed at its release; a query outside a transaction is tried once more unnamed, one inside a
 * transaction fails with it (PostgreSQL has ended that transaction).
 */
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

export interface PreparedStatementOptions {
  /** The most statement texts given a name in this process. */
  names?: number;
  /** The most prepared statements one connection holds before it is replaced. */
  perConnection?: number;
}

export interface PreparingPool extends PostgresPool {
  /** Statements are prepared from now on (after the migrations, which change the tables they would read). */
  start(): void;
  /** For tests and benchmarks: names given, connections replaced for holding too many, re-runs after 0A000. */
  stats(): { named: number; replaced: number; retried: number };
}

const NAMES = 2_000;
const PER_CONNECTION = 250;

/** PostgreSQL's "cached plan must not change result type", after a table changed under a statement. */
const isStalePlan = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '0A000' && /cached plan/i.test(String((error as Error).message));

export function withPreparedStatements(pool: pg.Pool, options: PreparedStatementOptions = {}): PreparingPool {
  const maxNames = options.names ?? NAMES;
  const perConnection = options.perConnection ?? PER_CONNECTION;
  const names = new Map<string, string>();
  // Texts seen once (bounded: emptied when full; a text seen again later still gets its name then).
  const seenOnce = new Set<string>();
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const stats = { named: 0, replaced: 0, retried: 0 };
  let started = false;

  const nameFor = (text: string): string | undefined => {
    const name = names.get(text);
    if (name !== undefined || !started) return name;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= maxNames) seenOnce.clear();
      seenOnce.add(text);
      return undefined;
    }
    if (names.size >= maxNames) return undefined;
    seenOnce.delete(text);
    const given = `cd_${names.size + 1}`;
    names.set(text, given);
    stats.named += 1;
    return given;
  };

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const prepared = new Set<string>();
    let replace = false;
    let inTransaction = false;
    const plain = (text: string, values: readonly unknown[]) => client.query(text, values as unknown[]);
    const wrapped = {
      // Kysely reads the backend's pid from here to cancel a query (an undocumented member of pg's Client).
      get processID() {
        return (client as unknown as { processID?: number }).processID;
      },
      // Not async: a cursor (a streamed query) is handed back as it is, not in a promise.
      query(textOrCursor: unknown, values?: readonly unknown[]) {
        if (typeof textOrCursor !== 'string') return client.query(textOrCursor as pg.Submittable);
        return run(textOrCursor, values ?? []);
      },
      release(destroy?: boolean) {
        if (replace) clients.delete(client);
        client.release(destroy === true || replace ? true : undefined);
      },
    };
    async function run(text: string, params: readonly unknown[]) {
      if (/^(begin|start transaction)/i.test(text)) inTransaction = true;
      else if (/^(commit|rollback)$/i.test(text)) inTransaction = false;
      const name = params.length > 0 || text.length > 32 ? nameFor(text) : undefined;
      if (name === undefined || (!prepared.has(name) && prepared.size >= perConnection)) {
        if (name !== undefined && !replace) {
          replace = true;
          stats.replaced += 1;
        }
        return plain(text, params);
      }
      // Counted before: a statement that parsed and then failed is prepared all the same.
      prepared.add(name);
      try {
        return await client.query({ name, text, values: params as unknown[] });
      } catch (error) {
        if (!isStalePlan(error)) throw error;
        replace = true;
        if (inTransaction) throw error;
        stats.retried += 1;
        return plain(text, params);
      }
    }
    return wrapped as unknown as PostgresPoolClient;
  };

  return {
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) {
        wrapped = wrap(client);
        clients.set(client, wrapped);
      }
      return wrapped;
    },
    end: () => pool.end(),
    // Kysely opens a connection of its own from these to cancel a query.
    Client: (pool as unknown as { Client?: PostgresPool['Client'] }).Client,
    options: pool.options,
    start() {
      started = true;
    },
    stats: () => ({ ...stats }),
  };
}
