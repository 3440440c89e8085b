import type { ServerMigration } from './index';

/**
 * Leases: work that must run once across all server processes (housekeeping now; the message dispatcher
 * and other timers later) is done by whichever process holds the named lease. Taken and renewed with
 * conditional writes, so the same SQL serves SQLite and PostgreSQL.
 */
export const m007Leases: ServerMigration = {
  version: 7,
  name: 'leases',
  async up(db) {
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
