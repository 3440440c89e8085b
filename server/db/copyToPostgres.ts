/**
 * `copy-to-postgres`: moves a server that outgrew its embedded SQLite file onto PostgreSQL. Both databases
 * are brought to the same schema version by the usual migrations; the target must be empty. Every table is
 * copied in an order that respects its foreign keys, in one transaction, in batches; then each table is
 * verified on both sides by its row count and a checksum of its rows (SHA-256 over the rows as canonical
 * JSON, sorted), so nothing is declared done that was not copied exactly.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ServerDb } from './database';
import type { ServerDatabase } from './schema';

/** Parents before children (accounts refer to organisations; participants to call records; …). */
export const COPY_ORDER = [
  'server_info',
  'organisations',
  'accounts',
  'registration_links',
  'sessions',
  'sms_codes',
  'contacts',
  'call_records',
  'call_participants',
  'call_invitations',
  'code_failures',
  'throttles',
  'socket_tickets',
  'leases',
  'signal_processes',
  'signal_sockets',
  'signal_peers',
  'signal_calls',
  'signal_call_peers',
  'sync_counters',
  'sync_devices',
  'sync_rows',
  'call_log_entries',
  'outgoing_messages',
  'credit_balances',
  'credit_ledger',
  'credit_orders',
  'contact_sms',
  'subscriptions',
  'payments',
  'vouchers',
  'invoice_counters',
  'invoices',
  'billing_events',
  'video_sessions',
  'telehealth_totals',
  'telehealth_period_usage',
  'telehealth_addons',
] as const satisfies readonly (keyof ServerDatabase)[];

// Every table of the schema must be in the order: a new table that is forgotten fails the type check.
type Missing = Exclude<keyof ServerDatabase, (typeof COPY_ORDER)[number]>;
const complete: Missing extends never ? true : never = true;
void complete;

export interface TableReport {
  table: string;
  rows: number;
  checksum: string;
}

const BATCH = 500;

// The tables are named from COPY_ORDER only; Kysely cannot type a table chosen at run time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const canonical = (row: Record<string, unknown>): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.keys(row)
        .sort()
        .map((k) => [k, row[k]]),
    ),
  );

/** Row count and checksum of one table, the same for equal contents whatever the database. */
export async function tableReport(db: AnyDb, table: string): Promise<TableReport> {
  const rows = (await db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
  const lines = rows.map(canonical).sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line).update('\n');
  return { table, rows: rows.length, checksum: hash.digest('hex') };
}

export class CopyError extends Error {}

export async function copyToPostgres(source: ServerDb, target: ServerDb): Promise<TableReport[]> {
  if (source.dialect !== 'sqlite' || target.dialect !== 'postgres')
    throw new CopyError('copy-to-postgres copies the embedded SQLite database into PostgreSQL');
  if (source.schemaVersion !== target.schemaVersion)
    throw new CopyError(`schema versions differ (${source.schemaVersion} and ${target.schemaVersion})`);
  const from = source.db as AnyDb;
  const to = target.db as AnyDb;
  for (const table of COPY_ORDER) {
    if (table === 'server_info') continue; // written by the target's own migrations; replaced below
    const { count } = (await to
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow()) as {
      count: number | string;
    };
    if (Number(count) > 0) throw new CopyError(`the PostgreSQL database is not empty (${table} has rows)`);
  }
  await to.transaction().execute(async (trx) => {
    await trx.deleteFrom('server_info').execute(); // the installation keeps its identity
    for (const table of COPY_ORDER) {
      for (let offset = 0; ; offset += BATCH) {
        // The source is always SQLite: its rowid gives the pages a stable order.
        const rows = (await from
          .selectFrom(table)
          .selectAll()
          .orderBy(sql`rowid`)
          .limit(BATCH)
          .offset(offset)
          .execute()) as Record<string, unknown>[];
        if (rows.length === 0) break;
        await trx.insertInto(table).values(rows).execute();
        if (rows.length < BATCH) break;
      }
    }
  });
  const reports: TableReport[] = [];
  for (const table of COPY_ORDER) {
    const [a, b] = await Promise.all([tableReport(from, table), tableReport(to, table)]);
    if (a.rows !== b.rows || a.checksum !== b.checksum)
      throw new CopyError(`${table} differs after the copy (${a.rows} rows in SQLite, ${b.rows} in PostgreSQL)`);
    reports.push(a);
  }
  return reports;
}
