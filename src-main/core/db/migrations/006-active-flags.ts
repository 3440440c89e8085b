import type { Migration } from './index';

/**
 * Practitioners, rooms and appointment types can be deactivated (issue 15): someone who left, a room given
 * up, a type no longer offered. They stay in the records (their appointments are history) but are no longer
 * offered for new bookings. A synced field like any other.
 */
export const m006ActiveFlags: Migration = {
  version: 6,
  name: 'active-flags',
  up: `
    ALTER TABLE practitioners ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
    ALTER TABLE rooms ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
    ALTER TABLE appointment_types ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
  `,
};
