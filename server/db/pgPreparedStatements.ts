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
 * A text gets a name when it is seen the second time (a one-off statement is not kept by PostgreSQL), and
 * only a short one with few parameters (a batch's long IN list is planned once for many rows, and each
 * length would be a statement of its own); names are given to at most `names` texts per process. A
 * connection that holds `perConnection` prepared statements runs further texts unnamed, and is closed at
 * its release once it is older than `renewAfterMs` (the pool opens a fresh one, which prepares what is in
 * use by then): node-postgres has no public way to forget one prepared statement, and closing a connection
 * at every release once the statements in use outnumber the bound would cost more than planning does.
 *
 * A table changed under a prepared statement (another process migrating during a rolling update) makes
 * PostgreSQL refuse its next execution (0A000, "cached plan must not change result type"), and a statement
 * node-postgres believes prepared may be gone (26000: a value that could not be serialised made it close
 * the statement it had just parsed; a pooler in transaction mode). Either way the connection is closed at
 * its release, and a query sent outside a transaction runs once more unnamed; one inside a transaction
 * fails (PostgreSQL has aborted the transaction; Kysely rolls it back). A pooler that cannot keep prepared
 * statements at all needs them off: `databasePreparedStatements: false`.
 */
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

export interface PreparedStatementOptions {
  /** The most statement texts given a name in this process. */
  names?: number;
  /** The most prepared statements one connection holds. */
  perConnection?: number;
  /** A connection at its bound is replaced at its release once it is this old. */
  renewAfterMs?: number;
  now?: () => number;
}

export interface PreparingPool extends PostgresPool {
  /** Statements are prepared from now on (after the migrations, which change the tables they would read). */
  start(): void;
  /**
   * For tests and benchmarks: names given, connections replaced (at their bound, or after a statement went
   * missing or stale), queries run again unnamed.
   */
  stats(): { named: number; replaced: number; retried: number };
}

const NAMES = 2_000;
const PER_CONNECTION = 250;
const RENEW_AFTER_MS = 10 * 60_000;
/** The longest text, and the most parameters, a named statement may have. */
const MAX_TEXT = 4_000;
const MAX_PARAMETERS = 32;

/**
 * A named statement that this connection can no longer run as node-postgres believes: changed under it
 * (0A000, by its code alone — the message is translated where PostgreSQL's `lc_messages` is not English) or
 * gone (26000).
 */
const isLostStatement = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === '0A000' || code === '26000';
};

export function withPreparedStatements(pool: pg.Pool, options: PreparedStatementOptions = {}): PreparingPool {
  const maxNames = options.names ?? NAMES;
  const perConnection = options.perConnection ?? PER_CONNECTION;
  const renewAfterMs = options.renewAfterMs ?? RENEW_AFTER_MS;
  const now = options.now ?? Date.now;
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
    const opened = now();
    const prepared = new Set<string>();
    let replace = false;
    let inTransaction = false;
    const replaceAtRelease = () => {
      if (replace) return;
      replace = true;
      stats.replaced += 1;
    };
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
      // Whether the query went out in a transaction, not whether one is open when its answer comes back.
      const sentInTransaction = inTransaction;
      const nameable =
        (params.length > 0 || text.length > 32) && params.length <= MAX_PARAMETERS && text.length <= MAX_TEXT;
      const name = nameable ? nameFor(text) : undefined;
      if (name === undefined) return plain(text, params);
      if (!prepared.has(name) && prepared.size >= perConnection) {
        if (now() - opened >= renewAfterMs) replaceAtRelease();
        return plain(text, params);
      }
      // Counted before: a statement that parsed and then failed is prepared all the same.
      prepared.add(name);
      try {
        return await client.query({ name, text, values: params as unknown[] });
      } catch (error) {
        if (isLostStatement(error)) {
          replaceAtRelease();
          if (sentInTransaction) throw error;
          stats.retried += 1;
          return plain(text, params);
        }
        // Not PostgreSQL's answer (no SQLSTATE) but node-postgres's own failure, such as a value it could not
        // serialise: it then closes the named statement on the server and still believes it prepared.
        if (typeof (error as { code?: unknown }).code !== 'string') replaceAtRelease();
        throw error;
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
