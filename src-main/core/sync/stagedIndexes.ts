/**
 * Index work that a first download does in bulk instead of row by row (issue 16). Measured on this
 * machine, writing 100,000 patients and 1,000,000 appointments the way a download's pages do: the
 * patients' search index kept by its trigger cost 96 µs per patient (FTS5 flushes its pending terms at
 * every statement savepoint, and a trigger's statement has one), the same rows indexed by one INSERT …
 * SELECT per page 22 µs; the appointments' index by patient, fed in booking order (which is patient order
 * at random), 27 µs per appointment, against 2.6 s for CREATE INDEX over the million rows afterwards.
 *
 * Both are kept consistent by the transactions that use them: the search index is filled in the same
 * transaction as the page's patients, and the index by patient is dropped in the transaction of the
 * download's first large history page and created again in the transaction of its last one — its SQL is
 * kept in `sync_state` with the drop, so an interruption at any point leaves either the index or the means
 * to create it. While it is away, a patient's appointments are found by reading the table (the download's
 * history years are still arriving anyway).
 */
import { z } from 'zod';
import type { Db } from '../db/database';
import type { SyncState } from './syncState';

/** The key the search index's insert trigger stands aside for (migration 011). */
const SEARCH_DEFERRED = 'search_index_deferred';
/** The SQL of the indexes dropped for the history phase, kept until they are created again. */
const STAGED = 'staged_indexes';
/** Indexes whose row-by-row upkeep is random I/O in a download's history order. */
const STAGED_DURING_HISTORY = ['appointments_by_patient'] as const;

const stagedSchema = z.array(z.string().startsWith('CREATE INDEX '));

export class StagedIndexes {
  constructor(
    private readonly db: Db,
    private readonly kept: SyncState,
  ) {}

  /**
   * Runs `write` inside the caller's transaction with the search index's trigger standing aside, then
   * indexes the patients it inserted with one statement. A patient inserted and then changed within
   * `write` was indexed by the update trigger already and is left as it is.
   */
  withPatientSearch<T>(write: () => T): T {
    const after = (this.db.prepare('SELECT coalesce(max(rowid), 0) AS last FROM patients').get() as { last: number })
      .last;
    this.kept.set(SEARCH_DEFERRED, '1');
    const result = write();
    // New rows take rowids after the largest one (no patient row is ever deleted, only tombstoned). Each is
    // looked up in the index by rowid (1 µs); a rowid range over FTS5 reads the whole index (24 ms at
    // 100,000 patients, for each pulled page).
    this.db
      .prepare(
        `INSERT INTO patients_fts (rowid, name, birth, phone)
           SELECT patient_rowid, name, birth, phone FROM patients_search s
           WHERE patient_rowid > ? AND NOT EXISTS (SELECT 1 FROM patients_fts f WHERE f.rowid = s.patient_rowid)`,
      )
      .run(after);
    this.kept.delete(SEARCH_DEFERRED);
    return result;
  }

  /** Drops the history phase's staged indexes (inside the caller's transaction), keeping their SQL. */
  stage(): void {
    if (this.kept.get(STAGED) !== null) return;
    const found = this.db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (${STAGED_DURING_HISTORY.map(() => '?').join(', ')})`,
      )
      .all(...STAGED_DURING_HISTORY) as { name: string; sql: string }[];
    if (found.length === 0) return;
    this.kept.set(STAGED, JSON.stringify(found.map((index) => index.sql)));
    for (const index of found) this.db.exec(`DROP INDEX ${index.name}`);
  }

  /** Creates the staged indexes again (inside the caller's transaction); nothing when none is staged. */
  restore(): void {
    const kept = this.kept.get(STAGED);
    if (kept === null) return;
    for (const sql of stagedSchema.parse(JSON.parse(kept))) this.db.exec(sql);
    this.kept.delete(STAGED);
  }

  staged(): boolean {
    return this.kept.get(STAGED) !== null;
  }
}
