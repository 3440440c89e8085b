/**
 * The desktop's local SQLite database: WAL, foreign keys, numbered migrations under PRAGMA user_version.
 * A database written by a newer ClinicDesk is refused instead of being half-understood.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors';
import { migrations as defaultMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export class DatabaseTooNewError extends AppError {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      'db_too_new',
      `This database was written by a newer ClinicDesk (schema ${found}; this version knows up to ${known}). Update ClinicDesk to open it.`,
    );
  }
}

export const latestVersion = (list: readonly Migration[]): number => list.at(-1)?.version ?? 0;

export function migrate(db: Db, list: readonly Migration[] = defaultMigrations): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const known = latestVersion(list);
  if (current > known) throw new DatabaseTooNewError(current, known);
  for (const migration of list) {
    if (migration.version <= current) continue;
    // One transaction per step: a failing migration leaves the previous version intact.
    const keys = db.pragma('foreign_keys', { simple: true }) === 1;
    if (migration.foreignKeysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.up);
        if (migration.foreignKeysOff) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`migration ${migration.version}: ${broken.length} broken references`);
        }
        db.pragma(`user_version = ${migration.version}`);
      })();
    } finally {
      if (migration.foreignKeysOff && keys) db.pragma('foreign_keys = ON');
    }
  }
  return latestVersion(list);
}

/**
 * Folds the WAL back into the database. PASSIVE never waits for readers; TRUNCATE (at close) also resets
 * the file. Called on a timer by the core, so no single write pays for it.
 */
export function checkpoint(db: Db, mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): void {
  if (db.open && !db.readonly) db.pragma(`wal_checkpoint(${mode})`);
}

export interface OpenOptions {
  migrations?: readonly Migration[];
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Checkpoints run from checkpointWhenIdle(), not inside whichever write happens to fill the WAL.
      db.pragma('wal_autocheckpoint = 0');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Years of appointments do not fit SQLite's 2 MB default cache: index pages would be read again and again.
    db.pragma('cache_size = -131072'); // 128 MiB
    db.pragma('mmap_size = 1073741824'); // reads through the OS page cache, up to 1 GiB
    db.pragma('temp_store = MEMORY');
    if (options.readonly) {
      const found = db.pragma('user_version', { simple: true }) as number;
      const known = latestVersion(options.migrations ?? defaultMigrations);
      if (found > known) throw new DatabaseTooNewError(found, known);
    } else {
      migrate(db, options.migrations);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
