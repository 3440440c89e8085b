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
  for (const message of messages) {
    const key = `${to} ${message.message_id}`;
    await trx.updateTable('outgoing_messages').set({ practice_id: to, key }).where('key', '=', message.key).execute();
    // The ledger entries of a message carry its key (`debit:<key>`, `refund:<key>`): a message debited
    // before the move and failing after it must find its debit to refund it, and not be debited again.
    for (const kind of ['debit', 'refund'])
      await trx
        .updateTable('credit_ledger')
        .set({ idempotency_key: `${kind}:${key}` })
        .where('idempotency_key', '=', `${kind}:${message.key}`)
        .execute();
  }
}
