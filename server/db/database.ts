/**
 * The server's database through Kysely: SQLite (better-sqlite3) in the data folder is the embedded default;
 * PostgreSQL (`pg` with a pool) when `databaseUrl` is set, for several server processes. Every query is
 * written with Kysely's builder, so both run the same code. Migrations are numbered and run in a
 * transaction each; the version lives in `PRAGMA user_version` on SQLite and in a `schema_version` table on
 * PostgreSQL (where two processes starting at once serialise on an advisory lock). A newer database is
 * refused.
 */
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { withStatementCache } from './statementCache';
import { withPreparedStatements } from './pgPreparedStatements';
import { QueuedSqliteDialect } from './queuedSqliteDialect';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { serverMigrations, type ServerMigration } from './migrations';
import type { ServerDatabase } from './schema';

export const SERVER_DB_FILE = 'clinicdesk-server.sqlite';

export type DialectName = 'sqlite' | 'postgres';

export class ServerDatabaseTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `The server database was written by a newer ClinicDesk server (schema ${found}; this one knows up to ${known}). Update the server.`,
    );
  }
}

export interface ServerDb {
  db: Kysely<ServerDatabase>;
  dialect: DialectName;
  schemaVersion: number;
  /**
   * Brings the query planner's statistics up to date where the database does not do it by itself (SQLite's
   * `PRAGMA optimize`, sampled by `analysis_limit`; PostgreSQL's autovacuum analyses on its own). Without
   * them SQLite walked a practice's whole change index for each small table of a first download.
   */
  refreshStatistics(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  /** postgres://… switches to PostgreSQL; without it the embedded SQLite file in the data folder is used. */
  databaseUrl?: string;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
  /** Frequent statements prepared once per PostgreSQL connection (the default; see pgPreparedStatements.ts). */
  preparedStatements?: boolean;
}

/** Where each dialect keeps the schema version. */
interface VersionStore {
  read(trx: Kysely<ServerDatabase> | Transaction<ServerDatabase>): Promise<number>;
  write(trx: Transaction<ServerDatabase>, version: number): Promise<void>;
  /** Serialises concurrent migrators (two server processes starting at once). */
  lock(trx: Transaction<ServerDatabase>): Promise<void>;
}

const sqliteVersions: VersionStore = {
  async read(db) {
    const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
    return rows[0]?.user_version ?? 0;
  },
  async write(trx, version) {
    await sql.raw(`PRAGMA user_version = ${Number(version)}`).execute(trx);
  },
  async lock() {
    // One process owns an embedded SQLite file.
  },
};

const MIGRATION_LOCK = 4780_0001;

const postgresVersions: VersionStore = {
  async read(db) {
    await sql`create table if not exists schema_version (version integer not null)`.execute(db);
    const { rows } = await sql<{ version: number }>`select max(version) as version from schema_version`.execute(db);
    return Number(rows[0]?.version ?? 0);
  },
  async write(trx, version) {
    await sql`delete from schema_version`.execute(trx);
    await sql`insert into schema_version (version) values (${version})`.execute(trx);
  },
  async lock(trx) {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
  },
};

export async function migrateServerDb(
  db: Kysely<ServerDatabase>,
  list: readonly ServerMigration[] = serverMigrations,
  dialect: DialectName = 'sqlite',
): Promise<number> {
  const versions = dialect === 'postgres' ? postgresVersions : sqliteVersions;
  const known = list.at(-1)?.version ?? 0;
  const current = await versions.read(db);
  if (current > known) throw new ServerDatabaseTooNewError(current, known);
  for (const migration of list) {
    if (migration.version <= current) continue;
    await db.transaction().execute(async (trx) => {
      await versions.lock(trx);
      // Another process may have run it while we waited for the lock.
      if ((await versions.read(trx)) >= migration.version) return;
      await migration.up(trx, dialect);
      await versions.write(trx, migration.version);
    });
  }
  return known;
}

/** PostgreSQL's bigint and numeric arrive as strings by default; our integers (ms, minor units) fit a double. */
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format),
};

/** The data folder and the database hold personal data: readable by the server's user only. */
function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export async function openServerDb(options: DatabaseOptions | string): Promise<ServerDb> {
  const {
    dataDir,
    databaseUrl,
    poolSize,
    preparedStatements = true,
  } = typeof options === 'string' ? { dataDir: options } : options;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  let db: Kysely<ServerDatabase>;
  let dialect: DialectName;
  let refreshStatistics = async (): Promise<void> => {};
  let statistics: NodeJS.Timeout | undefined;
  let startPreparing = () => {};
  if (databaseUrl) {
    dialect = 'postgres';
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize ?? 10, types: pgTypes });
    // An idle connection that PostgreSQL ends (a restart, a fail-over, an administrator) is reported as the
    // pool's 'error' event, which would end the process if nobody listened; the pool drops that connection
    // and opens a new one for the next query, so a note is all it needs (node-postgres' documentation).
    pool.on('error', (error: Error & { code?: string }) => {
      process.stderr.write(`PostgreSQL closed an idle connection (${error.code ?? 'no code'}): ${error.message}\n`);
    });
    const preparing = preparedStatements ? withPreparedStatements(pool) : null;
    startPreparing = () => preparing?.start();
    db = new Kysely<ServerDatabase>({ dialect: new PostgresDialect({ pool: preparing ?? pool }) });
  } else {
    dialect = 'sqlite';
    const file = join(dataDir, SERVER_DB_FILE);
    privateFile(file); // SQLite gives the -wal and -shm files the database file's permissions
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Statistics as SQLite recommends for a long-running process: sampled (analysis_limit), on opening
    // (optimize=0x10002, below), every ten minutes, and when a first download begins (refreshStatistics).
    sqlite.pragma('analysis_limit = 1000');
    refreshStatistics = async () => {
      if (sqlite.open) sqlite.pragma('optimize');
    };
    statistics = setInterval(() => void refreshStatistics(), 600_000);
    statistics.unref();
    db = new Kysely<ServerDatabase>({ dialect: new QueuedSqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  try {
    const schemaVersion = await migrateServerDb(db, serverMigrations, dialect);
    if (dialect === 'sqlite') await sql`PRAGMA optimize = 0x10002`.execute(db);
    // Not before: a migration changes the tables a statement prepared earlier would read.
    startPreparing();
    return {
      db,
      dialect,
      schemaVersion,
      refreshStatistics,
      close: () => {
        clearInterval(statistics);
        return db.destroy();
      },
    };
  } catch (error) {
    clearInterval(statistics);
    await db.destroy();
    throw error;
  }
}

/** A unique constraint refused a write (two registrations of one username at once): the caller's 409. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}
