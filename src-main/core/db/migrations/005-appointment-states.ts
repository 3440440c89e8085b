import type { Migration } from './index';

/**
 * The front desk's states (issue 15): `in_treatment` between "arrived" and "done", and the reason given
 * when an appointment is cancelled (kept, shown struck through). SQLite cannot change a CHECK constraint in
 * place, so the table is rebuilt; messages refer to appointments, so this follows SQLite's documented
 * procedure for that case (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off around
 * the step, the new table created under a temporary name, rows copied, the old table dropped, the new one
 * renamed, its indexes recreated, and `PRAGMA foreign_key_check` before the commit.
 *
 * Also the practice's opening hours (minutes after midnight, and the weekdays as ISO digits 1 = Monday):
 * the agenda shades the rest, and "next free slot" searches within them.
 */
export const m005AppointmentStates: Migration = {
  version: 5,
  name: 'appointment-states',
  foreignKeysOff: true,
  up: `
    CREATE TABLE appointments_new (
      id              TEXT PRIMARY KEY,
      patient_id      TEXT REFERENCES patients (id),
      practitioner_id TEXT NOT NULL REFERENCES practitioners (id),
      room_id         TEXT REFERENCES rooms (id),
      type_id         TEXT NOT NULL REFERENCES appointment_types (id),
      tenant_id       TEXT NOT NULL REFERENCES tenants (id),
      start_at        INTEGER NOT NULL,
      end_at          INTEGER NOT NULL,
      status          TEXT NOT NULL DEFAULT 'booked'
                      CHECK (status IN ('booked', 'confirmed', 'arrived', 'in_treatment', 'done', 'cancelled', 'no_show')),
      notes           TEXT NOT NULL DEFAULT '',
      hlc             TEXT NOT NULL,
      field_hlc       TEXT NOT NULL DEFAULT '{}',
      deleted         INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
      cancel_reason   TEXT NOT NULL DEFAULT '',
      CHECK (end_at > start_at)
    ) STRICT;
    INSERT INTO appointments_new (id, patient_id, practitioner_id, room_id, type_id, tenant_id, start_at, end_at,
                                  status, notes, hlc, field_hlc, deleted)
      SELECT id, patient_id, practitioner_id, room_id, type_id, tenant_id, start_at, end_at,
             status, notes, hlc, field_hlc, deleted FROM appointments;
    DROP TABLE appointments;
    ALTER TABLE appointments_new RENAME TO appointments;
    CREATE INDEX appointments_by_start ON appointments (start_at) WHERE deleted = 0;
    CREATE INDEX appointments_by_practitioner ON appointments (practitioner_id, start_at) WHERE deleted = 0;
    CREATE INDEX appointments_by_patient ON appointments (patient_id, start_at);

    -- The patient page lists a patient's messages.
    CREATE INDEX messages_by_patient ON messages (patient_id, scheduled_at) WHERE patient_id IS NOT NULL;

    ALTER TABLE practice ADD COLUMN opening_start INTEGER NOT NULL DEFAULT 480;
    ALTER TABLE practice ADD COLUMN opening_end INTEGER NOT NULL DEFAULT 1080;
    ALTER TABLE practice ADD COLUMN opening_days TEXT NOT NULL DEFAULT '12345';
  `,
};
