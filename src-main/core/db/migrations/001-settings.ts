import type { Migration } from './index';

/** Device-local preferences (language, server URL, call-station mode). Not synced: they belong to this machine. */
export const m001Settings: Migration = {
  version: 1,
  name: 'settings',
  up: `
    CREATE TABLE settings (
      key        TEXT PRIMARY KEY,
      value      TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
  `,
};
