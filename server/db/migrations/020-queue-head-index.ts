import { sql } from 'kysely';
import type { ServerMigration } from './index';

/**
 * The head of the dispatcher's queue, in the order a claim reads it (due time, then practice) and holding
 * only what is still to be sent (issue 10). `outgoing_due` (state, due time) gave the due messages of two
 * states in two ranges, which PostgreSQL sorted whole at every claim — a burst of 10,000 sorted again for
 * each batch of 200 (4.7–13 ms per claim in the sending benchmark) — and it holds the sent history besides.
 * Partial: the queue, not the history (the claim names the states as literals, which SQLite needs to use
 * a partial index).
 */
export const m020QueueHeadIndex: ServerMigration = {
  version: 20,
  name: 'queue-head-index',
  async up(db) {
    await db.schema
      .createIndex('outgoing_queue_head')
      .on('outgoing_messages')
      .columns(['next_attempt_at', 'practice_id'])
      .where(sql.ref('state'), 'in', ['queued', 'sending'])
      .execute();
  },
};
