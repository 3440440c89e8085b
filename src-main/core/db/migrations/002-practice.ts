import type { Migration } from './index';

/**
 * The practice's data, built for sync: UUIDv7 ids, a hybrid logical clock stamp per row (`hlc`) and per
 * field (`field_hlc`: JSON of stamps of fields changed since the row was written, "*" for the others;
 * '{}' until the first update, when every field carries the row's `hlc`),
 * deletions as tombstones (`deleted`), and an ordered outbox written in the same transaction as each
 * change. Times are UTC epoch milliseconds; dates of birth and due dates are ISO dates.
 */
const synced = `
  hlc       TEXT NOT NULL,
  field_hlc TEXT NOT NULL DEFAULT '{}',
  deleted   INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))`;

export const m002Practice: Migration = {
  version: 2,
  name: 'practice',
  up: `
    CREATE TABLE practice (
      id                TEXT PRIMARY KEY,
      name              TEXT NOT NULL,
      phone             TEXT NOT NULL DEFAULT '',
      time_zone         TEXT NOT NULL,
      country           TEXT NOT NULL,
      quiet_start       INTEGER NOT NULL DEFAULT 1200,  -- minutes after midnight, practice time
      quiet_end         INTEGER NOT NULL DEFAULT 480,
      birthday_minute   INTEGER NOT NULL DEFAULT 600,
      birthday_enabled  INTEGER NOT NULL DEFAULT 1,
      ${synced}
    ) STRICT;

    CREATE TABLE tenants (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      sms_credits INTEGER NOT NULL DEFAULT 0,
      ${synced}
    ) STRICT;

    CREATE TABLE practitioners (
      id        TEXT PRIMARY KEY,
      name      TEXT NOT NULL,
      colour    TEXT NOT NULL DEFAULT '#0b6e6e',
      tenant_id TEXT NOT NULL REFERENCES tenants (id),
      ${synced}
    ) STRICT;

    CREATE TABLE rooms (
      id   TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      ${synced}
    ) STRICT;

    CREATE TABLE appointment_types (
      id                    TEXT PRIMARY KEY,
      name                  TEXT NOT NULL,
      colour                TEXT NOT NULL DEFAULT '#2f6fdf',
      duration_min          INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 720),
      is_video              INTEGER NOT NULL DEFAULT 0,
      reminder_rules        TEXT NOT NULL DEFAULT '[]',   -- JSON [{ offsetMinutes, channel }]
      confirm_on_booking    INTEGER NOT NULL DEFAULT 0,
      ${synced}
    ) STRICT;

    CREATE TABLE patients (
      id            TEXT PRIMARY KEY,
      first_name    TEXT NOT NULL,
      last_name     TEXT NOT NULL,
      birth_date    TEXT,
      mobile        TEXT,
      email         TEXT,
      language      TEXT NOT NULL DEFAULT 'de',
      channel       TEXT NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms', 'email', 'none')),
      opt_out_sms   INTEGER NOT NULL DEFAULT 0,
      opt_out_email INTEGER NOT NULL DEFAULT 0,
      notes         TEXT NOT NULL DEFAULT '',
      ${synced}
    ) STRICT;
    CREATE INDEX patients_birthday ON patients (substr(birth_date, 6, 5)) WHERE deleted = 0;
    CREATE INDEX patients_by_name ON patients (last_name, first_name) WHERE deleted = 0;

    -- Substring search (trigrams) by name, date of birth and phone digits; kept in step by triggers,
    -- tombstones leave it.
    CREATE VIRTUAL TABLE patients_fts USING fts5 (name, birth, phone, tokenize = 'trigram remove_diacritics 1');
    CREATE TRIGGER patients_fts_insert AFTER INSERT ON patients WHEN new.deleted = 0 BEGIN
      INSERT INTO patients_fts (rowid, name, birth, phone) VALUES (
        new.rowid, new.first_name || ' ' || new.last_name,
        coalesce(new.birth_date || ' ' || substr(new.birth_date, 9, 2) || '.' || substr(new.birth_date, 6, 2) || '.' || substr(new.birth_date, 1, 4), ''),
        coalesce(replace(new.mobile, '+', ''), ''));
    END;
    CREATE TRIGGER patients_fts_update AFTER UPDATE ON patients BEGIN
      DELETE FROM patients_fts WHERE rowid = old.rowid;
      INSERT INTO patients_fts (rowid, name, birth, phone) SELECT
        new.rowid, new.first_name || ' ' || new.last_name,
        coalesce(new.birth_date || ' ' || substr(new.birth_date, 9, 2) || '.' || substr(new.birth_date, 6, 2) || '.' || substr(new.birth_date, 1, 4), ''),
        coalesce(replace(new.mobile, '+', ''), '')
      WHERE new.deleted = 0;
    END;

    CREATE TABLE appointments (
      id              TEXT PRIMARY KEY,
      patient_id      TEXT REFERENCES patients (id),
      practitioner_id TEXT NOT NULL REFERENCES practitioners (id),
      room_id         TEXT REFERENCES rooms (id),
      type_id         TEXT NOT NULL REFERENCES appointment_types (id),
      tenant_id       TEXT NOT NULL REFERENCES tenants (id),
      start_at        INTEGER NOT NULL,
      end_at          INTEGER NOT NULL,
      status          TEXT NOT NULL DEFAULT 'booked'
                      CHECK (status IN ('booked', 'confirmed', 'arrived', 'done', 'cancelled', 'no_show')),
      notes           TEXT NOT NULL DEFAULT '',
      ${synced},
      CHECK (end_at > start_at)
    ) STRICT;
    CREATE INDEX appointments_by_start ON appointments (start_at) WHERE deleted = 0;
    CREATE INDEX appointments_by_practitioner ON appointments (practitioner_id, start_at) WHERE deleted = 0;
    CREATE INDEX appointments_by_patient ON appointments (patient_id, start_at);

    CREATE TABLE recalls (
      id         TEXT PRIMARY KEY,
      patient_id TEXT NOT NULL REFERENCES patients (id),
      due_date   TEXT NOT NULL,
      reason     TEXT NOT NULL,
      status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sent', 'done', 'cancelled')),
      ${synced}
    ) STRICT;
    CREATE INDEX recalls_due ON recalls (status, due_date) WHERE deleted = 0;

    CREATE TABLE templates (
      id       TEXT PRIMARY KEY,
      kind     TEXT NOT NULL CHECK (kind IN ('reminder', 'confirmation', 'recall', 'birthday', 'free_text')),
      channel  TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
      language TEXT NOT NULL,
      subject  TEXT NOT NULL DEFAULT '',
      body     TEXT NOT NULL,
      ${synced}
    ) STRICT;
    CREATE UNIQUE INDEX templates_unique ON templates (kind, channel, language) WHERE deleted = 0;

    CREATE TABLE messages (
      id             TEXT PRIMARY KEY,
      kind           TEXT NOT NULL CHECK (kind IN ('reminder', 'confirmation', 'recall', 'birthday', 'free_text')),
      channel        TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
      recipient      TEXT NOT NULL,
      subject        TEXT NOT NULL DEFAULT '',
      body           TEXT NOT NULL,
      scheduled_at   INTEGER NOT NULL,
      segments       INTEGER NOT NULL DEFAULT 0,
      credits        INTEGER NOT NULL DEFAULT 0,
      status         TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'queued', 'sent', 'delivered', 'failed', 'cancelled')),
      created_at     INTEGER NOT NULL,
      queued_at      INTEGER,
      sent_at        INTEGER,
      delivered_at   INTEGER,
      failed_at      INTEGER,
      cancelled_at   INTEGER,
      error          TEXT,
      patient_id     TEXT REFERENCES patients (id),
      appointment_id TEXT REFERENCES appointments (id),
      recall_id      TEXT REFERENCES recalls (id),
      tenant_id      TEXT REFERENCES tenants (id),
      ${synced}
    ) STRICT;
    CREATE INDEX messages_by_status ON messages (status, scheduled_at) WHERE deleted = 0;
    CREATE INDEX messages_by_appointment ON messages (appointment_id) WHERE appointment_id IS NOT NULL;
    CREATE INDEX messages_by_recall ON messages (recall_id) WHERE recall_id IS NOT NULL;
    CREATE INDEX messages_birthday ON messages (patient_id, kind, scheduled_at) WHERE kind = 'birthday';

    -- Every synced change, in order. Entries name the fields a write changed (["*"]: all of them); the
    -- transport (a later issue) sends their current values with their stamps, after the acknowledged
    -- seq kept in sync_state ('outbox_acked'), so the receiver merges field by field, latest stamp winning.
    CREATE TABLE outbox (
      seq        INTEGER PRIMARY KEY AUTOINCREMENT,
      table_name TEXT NOT NULL,
      row_id     TEXT NOT NULL,
      op         TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
      fields     TEXT NOT NULL,
      hlc        TEXT NOT NULL
    ) STRICT;

    CREATE TABLE sync_state (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;
  `,
};
