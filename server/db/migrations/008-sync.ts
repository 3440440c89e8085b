import type { ServerMigration } from './index';

/**
 * Sync: the practices' rows as the server holds them (every field with its value and stamp, as JSON), in
 * the order they changed (`seq`, per practice, from `sync_counters`), and the devices that push them (how
 * far each device's outbox is acknowledged, so that a batch sent twice changes nothing the second time).
 * A practice is an organisation, or an individual account.
 */
export const m008Sync: ServerMigration = {
  version: 8,
  name: 'sync',
  async up(db) {
    await db.schema
      .createTable('sync_rows')
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('row_id', 'text', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_rows_pk', ['practice_id', 'table_name', 'row_id'])
      .execute();
    await db.schema.createIndex('sync_rows_by_seq').on('sync_rows').columns(['practice_id', 'seq']).execute();
    await db.schema
      .createTable('sync_counters')
      .addColumn('practice_id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('sync_devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('acked_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('last_sync_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
  },
};
