import { snapshotKeys } from '../../sync/snapshotKeys';
import type { ServerMigration } from './index';

/**
 * What a new device's prioritised first download selects by (issue 16): an appointment's start and the
 * patient it names, copied out of its field map into columns the database can index (JSON functions
 * differ between SQLite and PostgreSQL), and indexes by table. Existing appointments are filled in here.
 */
export const m016SyncSnapshot: ServerMigration = {
  version: 16,
  name: 'sync-snapshot',
  async up(db) {
    await db.schema.alterTable('sync_rows').addColumn('start_at', 'bigint').execute();
    await db.schema.alterTable('sync_rows').addColumn('ref_id', 'text').execute();
    // One table's rows in order, with the start in the index: the current weeks' appointments are found
    // without reading each of a million rows.
    await db.schema
      .createIndex('sync_rows_by_table_seq')
      .on('sync_rows')
      .columns(['practice_id', 'table_name', 'seq', 'start_at'])
      .execute();
    await db.schema
      .createIndex('sync_rows_by_start')
      .on('sync_rows')
      .columns(['practice_id', 'table_name', 'start_at'])
      .execute();
    // Keyset pages over the appointments already stored (their primary key order).
    let last: { practice_id: string; row_id: string } | null = null;
    for (;;) {
      const current = last;
      const rows: { practice_id: string; row_id: string; fields: string }[] = await db
        .selectFrom('sync_rows')
        .select(['practice_id', 'row_id', 'fields'])
        .where('table_name', '=', 'appointments')
        .$if(current !== null, (q) =>
          q.where((eb) =>
            eb.or([
              eb('practice_id', '>', current!.practice_id),
              eb.and([eb('practice_id', '=', current!.practice_id), eb('row_id', '>', current!.row_id)]),
            ]),
          ),
        )
        .orderBy('practice_id')
        .orderBy('row_id')
        .limit(1000)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const { startAt, refId } = snapshotKeys('appointments', row.fields);
        await db
          .updateTable('sync_rows')
          .set({ start_at: startAt, ref_id: refId })
          .where('practice_id', '=', row.practice_id)
          .where('table_name', '=', 'appointments')
          .where('row_id', '=', row.row_id)
          .execute();
      }
      last = rows.at(-1)!;
    }
  },
};
