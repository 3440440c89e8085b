import type { Migration } from './index';

/**
 * The message statuses of sending (issue 10) and of rules that could not be kept: `sending` (claimed by the
 * server), `expired` (a reminder whose appointment had begun), `held` (no credits left) and `skipped` (a
 * placeholder without a value, no allowed time before the appointment, a birthday after the quiet hours
 * began). SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same columns, rows
 * and indexes (https://www.sqlite.org/lang_altertable.html#otheralter; no other table refers to messages).
 */
export const m004MessageStatuses: Migration = {
  version: 4,
  name: 'message-statuses',
  up: `
    CREATE TABLE messages_new (
      id             TEXT PRIMARY KEY,
      kind           TEXT NOT NULL CHECK (kind IN ('reminder', 'confirmation', 'recall', 'birthday', 'free_text')),
      channel        TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
      recipient      TEXT NOT NULL,
      subject        TEXT NOT NULL DEFAULT '',
      body           TEXT NOT NULL,
      scheduled_at   INTEGER NOT NULL,
      segments       INTEGER NOT NULL DEFAULT 0,
      credits        INTEGER NOT NULL DEFAULT 0,
      status         TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'queued', 'sending', 'sent', 'delivered',
                                                     'failed', 'expired', 'held', 'cancelled', 'skipped')),
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
      hlc            TEXT NOT NULL,
      field_hlc      TEXT NOT NULL DEFAULT '{}',
      deleted        INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
    ) STRICT;
    INSERT INTO messages_new SELECT * FROM messages;
    DROP TABLE messages;
    ALTER TABLE messages_new RENAME TO messages;
    CREATE INDEX messages_by_status ON messages (status, scheduled_at) WHERE deleted = 0;
    CREATE INDEX messages_by_appointment ON messages (appointment_id) WHERE appointment_id IS NOT NULL;
    CREATE INDEX messages_by_recall ON messages (recall_id) WHERE recall_id IS NOT NULL;
    CREATE INDEX messages_birthday ON messages (patient_id, kind, scheduled_at) WHERE kind = 'birthday';
  `,
};
