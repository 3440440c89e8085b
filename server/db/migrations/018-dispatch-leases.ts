import type { ServerMigration } from './index';

/**
 * The dispatcher's claims look for the practices another process is working on (its live leases), so that
 * two processes take different practices' messages instead of queueing behind each other's locks on the
 * same practice's counter and balance (issue 10): an index on the lease's end.
 */
export const m018DispatchLeases: ServerMigration = {
  version: 18,
  name: 'dispatch-leases',
  async up(db) {
    await db.schema.createIndex('outgoing_by_lease').on('outgoing_messages').column('lease_until').execute();
  },
};
