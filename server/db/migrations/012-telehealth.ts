import type { ServerMigration } from './index';

/**
 * Telehealth Pro (issue 12). `video_sessions` are the metered video calls — consultations with patients
 * and meetings a practitioner hosts — written when the call connects, touched each minute while it lasts
 * and closed at its end, so a server restart loses no more than the last minute. `telehealth_addons` are
 * the add-on's windows per colleague (from when, until when), activated by the payment that pays for them.
 * An ended call keeps its time split into add-on and trial time, so usage is read from indexed sums.
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
      // At its end, a call's time is split once into add-on time and trial time (the add-on's windows
      // at that time decide), so usage is two indexed sums, not a walk over a year of calls.
      .addColumn('addon_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('trial_ms', 'bigint', (c) => c.notNull().defaultTo(0))
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

    // Running totals per practitioner, added to once at each call's end (in its transaction): the trial
    // time of all time, and the add-on time per period (keyed by the period's start). The organisation's
    // usage table reads 1,000 colleagues from these by key instead of summing a year of calls.
    await db.schema
      .createTable('telehealth_totals')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('trial_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('telehealth_period_usage')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('period_start', 'bigint', (c) => c.notNull())
      .addColumn('addon_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('telehealth_period_usage_pk', ['account_id', 'period_start'])
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
