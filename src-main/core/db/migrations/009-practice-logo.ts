import type { Migration } from './index';

/**
 * The practice's logo (issue 15: shown to patients on the guest page from its first screen): a small image
 * as a data URL, '' for none. A synced field (sync schema version 3).
 */
export const m009PracticeLogo: Migration = {
  version: 9,
  name: 'practice-logo',
  up: `
    ALTER TABLE practice ADD COLUMN logo TEXT NOT NULL DEFAULT '' CHECK (length(logo) <= 20000);
  `,
};
