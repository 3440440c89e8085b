import { sql } from 'kysely';
import type { ServerMigration } from './index';

/**
 * Fewer index entries for every status a message passes through (issue 10). A status change writes a new
 * row version with an entry in each of the queue's indexes (the state is indexed, so PostgreSQL cannot
 * update in place): queued, "sending", "sent" and "delivered" wrote five, five, four and four.
 *
 * - `outgoing_due` (state, due time) is read by nothing since the queue's head has its own index (020) and
 *   a claim asks for its rows by key: only the messages held for want of credits or a subscription are
 *   asked for by state, per practice — a partial index of those alone, which are few.
 * - `outgoing_by_provider` held an entry for every version before the carrier's id is known (queued,
 *   "sending"); a receipt asks for an id, so the messages with one suffice (a query for `provider_id = ?`
 *   uses an index of `provider_id is not null` on PostgreSQL and on SQLite alike).
 *
 * Now three, three, three and three. Held messages are asked for with the state written as a literal:
 * SQLite uses a partial index only for a query that names its condition's values.
 */
export const m022QueueIndexes: ServerMigration = {
  version: 22,
  name: 'queue-indexes',
  async up(db) {
    await db.schema.dropIndex('outgoing_due').execute();
    await db.schema
      .createIndex('outgoing_held')
      .on('outgoing_messages')
      .column('practice_id')
      .where(sql.ref('state'), '=', 'held')
      .execute();
    await db.schema.dropIndex('outgoing_by_provider').execute();
    await db.schema
      .createIndex('outgoing_by_provider')
      .on('outgoing_messages')
      .column('provider_id')
      .where(sql.ref('provider_id'), 'is not', null)
      .execute();
  },
};
