import type { ServerMigration } from './index';

/**
 * Each user's call log, shared by that user's own devices (issue 16): one row per call and account, the
 * entry as the device recorded it, `seen` (only ever raised to 1), and the account's own change counter
 * (`sync_counters` under `calllog:<account>`) by which devices pull.
 */
export const m017CallLogSync: ServerMigration = {
  version: 17,
  name: 'call-log-sync',
  async up(db) {
    await db.schema
      .createTable('call_log_entries')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('entry_id', 'text', (c) => c.notNull())
      .addColumn('entry', 'text', (c) => c.notNull())
      .addColumn('seen', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('call_log_entries_pk', ['account_id', 'entry_id'])
      .execute();
    await db.schema
      .createIndex('call_log_entries_by_seq')
      .on('call_log_entries')
      .columns(['account_id', 'seq'])
      .execute();
  },
};
