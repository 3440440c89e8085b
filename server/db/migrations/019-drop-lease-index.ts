import type { ServerMigration } from './index';

/**
 * The dispatcher's claims no longer read the live leases through `outgoing_by_lease` (they see busy
 * practices in the queue's head, issue 10), and nothing else asks by a lease's end. Each claim, "sending"
 * and "sent" wrote an entry into it all the same — three per message in a burst; without it a claim
 * changes no indexed column, which lets PostgreSQL update the row in place of its indexes (a HOT update)
 * where the page has room.
 */
export const m019DropLeaseIndex: ServerMigration = {
  version: 19,
  name: 'drop-lease-index',
  async up(db) {
    await db.schema.dropIndex('outgoing_by_lease').execute();
  },
};
