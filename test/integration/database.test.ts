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

  it('rebuilds the appointments table (new states) with foreign keys kept and checked', () => {
    // A database as version 4 left it: an appointment a message refers to.
    const file = dbFile();
    const v4 = migrations.filter((m) => m.version <= 4);
    const old = openDatabase(file, { migrations: v4 });
    old.exec(`
      INSERT INTO tenants (id, name, hlc) VALUES ('t1', 'Praxis', 'h');
      INSERT INTO practitioners (id, name, tenant_id, hlc) VALUES ('p1', 'Dr. A', 't1', 'h');
      INSERT INTO appointment_types (id, name, duration_min, hlc) VALUES ('y1', 'Check', 20, 'h');
      INSERT INTO patients (id, first_name, last_name, hlc) VALUES ('x1', 'Eva', 'Muster', 'h');
      INSERT INTO appointments (id, patient_id, practitioner_id, type_id, tenant_id, start_at, end_at, status, hlc)
        VALUES ('a1', 'x1', 'p1', 'y1', 't1', 1000, 2000, 'arrived', 'h');
      INSERT INTO messages (id, kind, channel, recipient, body, scheduled_at, status, created_at, appointment_id, hlc)
        VALUES ('m1', 'reminder', 'sms', '+41790000000', 'Hi', 500, 'scheduled', 1, 'a1', 'h');
    `);
    expect(() => old.prepare("UPDATE appointments SET status = 'in_treatment'").run()).toThrow(/CHECK/);
    old.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT status, cancel_reason FROM appointments').get()).toEqual({
      status: 'arrived',
      cancel_reason: '',
    });
    db.prepare("UPDATE appointments SET status = 'in_treatment'").run();
    // The message still refers to the appointment, and the reference is still enforced.
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare("DELETE FROM appointments WHERE id = 'a1'").run()).toThrow(/FOREIGN KEY/);
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appointments' AND sql IS NOT NULL")
      .all();
    expect(indexes).toHaveLength(3);
    db.close();
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
