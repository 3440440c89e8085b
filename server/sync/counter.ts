/**
 * A change counter row in `sync_counters` (a practice's, or a user's call log under `calllog:<account>`):
 * raised by `n` in the caller's transaction — the row's update is the lock that makes writers of one
 * counter take turns — and created at `n` the first time. Returns the new value, the last number taken.
 */
import type { Transaction } from 'kysely';
import type { ServerDatabase } from '../db/schema';

export async function bumpCounter(trx: Transaction<ServerDatabase>, key: string, n: number): Promise<number> {
  const bump = () =>
    trx
      .updateTable('sync_counters')
      .set((eb) => ({ seq: eb('seq', '+', n) }))
      .where('practice_id', '=', key)
      .returning('seq')
      .executeTakeFirst();
  const bumped = await bump();
  if (bumped) return Number(bumped.seq);
  // The first write of this counter, perhaps by two transactions at once: the one that loses the insert
  // waits for the other's row (PostgreSQL) and then takes its turn on it, instead of failing.
  await trx
    .insertInto('sync_counters')
    .values({ practice_id: key, seq: 0 })
    .onConflict((oc) => oc.column('practice_id').doNothing())
    .execute();
  return Number((await bump())!.seq);
}
