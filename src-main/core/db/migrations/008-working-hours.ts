import type { Migration } from './index';

/**
 * Working hours per practitioner (issue 15): minutes after midnight in the practice's time zone and the
 * ISO weekdays, like the practice's opening hours. NULL: the practitioner works the practice's hours (every
 * practitioner before this version). Synced fields (sync schema version 3).
 */
export const m008WorkingHours: Migration = {
  version: 8,
  name: 'working-hours',
  up: `
    ALTER TABLE practitioners ADD COLUMN work_start INTEGER CHECK (work_start BETWEEN 0 AND 1439);
    ALTER TABLE practitioners ADD COLUMN work_end INTEGER CHECK (work_end BETWEEN 1 AND 1440);
    ALTER TABLE practitioners ADD COLUMN work_days TEXT CHECK (work_days GLOB '[1-7]*' OR work_days IS NULL);
  `,
};
