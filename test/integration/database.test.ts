import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseTooNewError, migrate, openDatabase } from '../../src-main/core/db/database';
import { migrations } from '../../src-main/core/db/migrations';

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'clinicdesk-db-')), 'nested', 'clinicdesk.sqlite');

describe('local database', () => {
  it('creates the file in WAL mode and migrates it to the latest version', () => {
    const file = dbFile();
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get()).toBeTruthy();
    db.close();
    // Reopening applies nothing twice.
    const again = openDatabase(file);
    expect(again.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    again.close();
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const file = dbFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.prepare('CREATE TABLE future_things (id INTEGER)').run();
    raw.close();

    expect(() => openDatabase(file)).toThrowError(DatabaseTooNewError);
    expect(() => openDatabase(file)).toThrowError(
      `newer ClinicDesk (schema 99; this version knows up to ${migrations.at(-1)!.version})`,
    );
    expect(() => openDatabase(file, { readonly: true })).toThrowError(DatabaseTooNewError);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(99);
    check.close();
  });

  it('rolls a failing migration back completely', () => {
    const file = dbFile();
    openDatabase(file).close();
    const latest = migrations.at(-1)!.version;
    const broken = [
      ...migrations,
      {
        version: latest + 1,
        name: 'broken',
        up: 'CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1);',
      },
    ];
    const db = new Database(file);
    expect(() => migrate(db, broken)).toThrow(/no such table/);
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    db.close();
  });
});
