/**
 * An individual account becoming an organisation changes its practice id (`acct:<id>` → `org:<id>`):
 * everything kept per practice moves with it in the upgrade's transaction — the synced rows with their
 * sequence numbers and counter (so every device's cursor stays valid and its next pull continues where
 * it was), the workstations, the messages the server sends (their key carries the practice id), and the
 * SMS credits with their ledger and orders. Nothing is copied: the old id simply stops existing.
 */
import type { Transaction } from 'kysely';
import type { ServerDatabase } from '../db/schema';

export async function movePractice(trx: Transaction<ServerDatabase>, from: string, to: string): Promise<void> {
  for (const table of [
    'sync_rows',
    'sync_counters',
    'sync_devices',
    'credit_ledger',
    'credit_balances',
    'credit_orders',
  ] as const)
    await trx.updateTable(table).set({ practice_id: to }).where('practice_id', '=', from).execute();
  const messages = await trx
    .selectFrom('outgoing_messages')
    .select(['key', 'message_id'])
    .where('practice_id', '=', from)
    .execute();
  for (const message of messages)
    await trx
      .updateTable('outgoing_messages')
      .set({ practice_id: to, key: `${to} ${message.message_id}` })
      .where('key', '=', message.key)
      .execute();
}
