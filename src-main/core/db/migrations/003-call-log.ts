import type { Migration } from './index';

/**
 * The device's call log: every call this user made or received here, with direction, the contact or
 * meeting name, kind, outcome and times. Device-local (like settings): it is not synced; the server keeps
 * only its own metadata records for the admin statistics.
 */
export const m003CallLog: Migration = {
  version: 3,
  name: 'call-log',
  up: `
    CREATE TABLE call_log (
      id          TEXT PRIMARY KEY,
      direction   TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
      peer_name   TEXT NOT NULL,
      kind        TEXT NOT NULL CHECK (kind IN ('contact', 'group', 'guest')),
      status      TEXT NOT NULL CHECK (status IN ('answered', 'missed', 'declined', 'busy', 'cancelled')),
      started_at  INTEGER NOT NULL,
      answered_at INTEGER,
      ended_at    INTEGER,
      seen        INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1))
    );
    CREATE INDEX call_log_by_start ON call_log (started_at DESC);
  `,
};
