/**
 * Invoice numbers: `<year>-<six digits>`, sequential and without gaps within a year, as invoicing law asks.
 * The next number is taken inside the transaction that records the payment and issues its invoice, by
 * incrementing the year's counter row: two payments completing at once queue on that row (PostgreSQL's
 * row lock; SQLite's single writer), and a transaction that rolls back gives its number back with it.
 */
import type { Transaction } from 'kysely';
import type { ServerDatabase } from '../db/schema';

export interface InvoiceNumber {
  year: number;
  seq: number;
  number: string;
}

export const formatInvoiceNumber = (year: number, seq: number): string => `${year}-${String(seq).padStart(6, '0')}`;

export async function nextInvoiceNumber(trx: Transaction<ServerDatabase>, at: number): Promise<InvoiceNumber> {
  const year = new Date(at).getUTCFullYear();
  await trx
    .insertInto('invoice_counters')
    .values({ year, last: 0 })
    .onConflict((oc) => oc.column('year').doNothing())
    .execute();
  const row = await trx
    .updateTable('invoice_counters')
    .set((eb) => ({ last: eb('last', '+', 1) }))
    .where('year', '=', year)
    .returning('last')
    .executeTakeFirstOrThrow();
  const seq = Number(row.last);
  return { year, seq, number: formatInvoiceNumber(year, seq) };
}
