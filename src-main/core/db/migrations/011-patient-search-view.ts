import type { Migration } from './index';

/**
 * The patients' search text is defined once, in a view, for the triggers and for a bulk insert; the insert
 * trigger stands aside while `sync_state` holds 'search_index_deferred' (issue 16). A trigger that writes
 * to an FTS5 table runs inside a statement savepoint, and FTS5 flushes its pending terms to disk at every
 * savepoint: one tiny segment per patient, merged again and again — about 96 µs per patient against 22 µs
 * for the same rows indexed by one INSERT … SELECT. A page of a download sets the key, inserts its
 * patients and indexes them with one statement, and removes the key, in its own transaction: the key is
 * never seen set outside it.
 */
export const m011PatientSearchView: Migration = {
  version: 11,
  name: 'patient-search-view',
  up: `
    CREATE VIEW patients_search AS SELECT
      rowid AS patient_rowid,
      first_name || ' ' || last_name AS name,
      coalesce(birth_date || ' ' || substr(birth_date, 9, 2) || '.' || substr(birth_date, 6, 2) || '.' || substr(birth_date, 1, 4), '') AS birth,
      coalesce(replace(mobile, '+', ''), '') AS phone
    FROM patients WHERE deleted = 0;

    DROP TRIGGER patients_fts_insert;
    CREATE TRIGGER patients_fts_insert AFTER INSERT ON patients
    WHEN new.deleted = 0 AND NOT EXISTS (SELECT 1 FROM sync_state WHERE key = 'search_index_deferred') BEGIN
      INSERT INTO patients_fts (rowid, name, birth, phone)
        SELECT patient_rowid, name, birth, phone FROM patients_search WHERE patient_rowid = new.rowid;
    END;

    DROP TRIGGER patients_fts_update;
    CREATE TRIGGER patients_fts_update AFTER UPDATE ON patients BEGIN
      DELETE FROM patients_fts WHERE rowid = old.rowid;
      INSERT INTO patients_fts (rowid, name, birth, phone)
        SELECT patient_rowid, name, birth, phone FROM patients_search WHERE patient_rowid = new.rowid;
    END;
  `,
};
