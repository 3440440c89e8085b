import type { Migration } from './index';

/**
 * How a patient is addressed (issue 15): "Frau Berg", "Herr Berg", or by full name (neutral, the default,
 * also for everyone the practice has not asked). The `{patient.salutation}` placeholder writes it.
 */
export const m007Salutation: Migration = {
  version: 7,
  name: 'salutation',
  up: `
    ALTER TABLE patients ADD COLUMN salutation TEXT NOT NULL DEFAULT 'neutral'
      CHECK (salutation IN ('neutral', 'female', 'male'));
  `,
};
