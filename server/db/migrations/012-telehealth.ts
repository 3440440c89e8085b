import type { ServerMigration } from './index';

/**
 * Telehealth Pro (issue 12). `video_sessions` are the metered video calls — consultations with patients
 * and meetings a practitioner hosts — written when the call connects, touched each minute while it lasts
 * and closed at its end, so a server restart loses no more than the last minute. `telehealth_addons` are
 * the add-on's windows per colleague (from when, until when), activated by the payment that pays for them.
 */
export const m012Telehealth: ServerMigration = {
  version: 12,
  name: 'telehealth',
  async up(db) {
    await db.schema
      .createTable('video_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('host_id', 'text', (c) => c.notNull())
      .addColumn('organisation_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('connected_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('video_sessions_host')
      .on('video_sessions')
      .columns(['host_id', 'connected_at'])
      .execute();
    await db.schema
      .createIndex('video_sessions_open')
      .on('video_sessions')
      .columns(['ended_at', 'last_seen_at'])
      .execute();

    await db.schema
      .createTable('telehealth_addons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text')
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('telehealth_addons_account')
      .on('telehealth_addons')
      .columns(['account_id', 'starts_at'])
      .execute();
    await db.schema.createIndex('telehealth_addons_owner').on('telehealth_addons').column('owner').execute();
  },
};
