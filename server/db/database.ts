/**
 * The server's database through Kysely. SQLite (better-sqlite3) in the data folder is the embedded default;
 * queries are written in Kysely so a PostgreSQL dialect can be added without rewriting them. Migrations are
 * numbered and tracked in PRAGMA user_version; a newer database is refused.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serverMigrations, type ServerMigration } from './migrations';
import type { ServerDatabase } from './schema';

export const SERVER_DB_FILE = 'clinicdesk-server.sqlite';

export class ServerDatabaseTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `The server database was written by a newer ClinicDesk server (schema ${found}; this one knows up to ${known}). Update the server.`,
    );
  }
}

export interface ServerDb {
  db: Kysely<ServerDatabase>;
  schemaVersion: number;
  close(): Promise<void>;
}

async function userVersion(db: Kysely<ServerDatabase>): Promise<number> {
  const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
  return rows[0]?.user_version ?? 0;
}

export async function migrateServerDb(
  db: Kysely<ServerDatabase>,
  list: readonly ServerMigration[] = serverMigrations,
): Promise<number> {
  const known = list.at(-1)?.version ?? 0;
  const current = await userVersion(db);
  if (current > known) throw new ServerDatabaseTooNewError(current, known);
  for (const migration of list) {
    if (migration.version <= current) continue;
    await db.transaction().execute(async (trx) => {
      await migration.up(trx);
      await sql.raw(`PRAGMA user_version = ${migration.version}`).execute(trx);
    });
  }
  return known;
}

export async function openServerDb(dataDir: string): Promise<ServerDb> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new Database(join(dataDir, SERVER_DB_FILE));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const schemaVersion = await migrateServerDb(db);
    return { db, schemaVersion, close: () => db.destroy() };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
