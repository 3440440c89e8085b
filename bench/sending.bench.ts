/**
 * Sending (issue 10), on the server's embedded SQLite with one process:
 * - a burst of 10,000 SMS reminders due at the same minute, drained by the dispatcher through the file
 *   carrier, each debited in the ledger (target < 60 s, ≥ 200 messages/s); the baseline, in the same run,
 *   is the carrier alone handing over 10,000 messages (the disk's share of the work);
 * - a tenant's balance with 1,000,000 ledger entries (target p99 < 5 ms); the baseline is the naive sum
 *   over the ledger, which the kept balance avoids.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openServerDb, SERVER_DB_FILE } from '../server/db/database';
import { fileCarrier } from '../server/sending/carriers';
import { Dispatcher } from '../server/sending/dispatcher';
import { CreditLedger } from '../server/sending/ledger';
import { SyncService } from '../server/sync/syncService';
import { measure, report } from './stats';

const MESSAGES = 10_000;
const LEDGER = 1_000_000;

const stamp = () => `${Date.now().toString(36).padStart(9, '0')}:00000:bench`;
const fields = (values: Record<string, string | number | null>) =>
  JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, s: stamp() }])));

export async function runSendingBench(): Promise<void> {
  console.log('\n# sending (issue 10): SQLite, one server process');
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-sending-'));
  const database = await openServerDb(dataDir);
  const raw = new Database(join(dataDir, SERVER_DB_FILE));
  raw.pragma('busy_timeout = 10000');
  const practiceId = `acct:${randomUUID()}`;
  const tenantId = randomUUID();
  const now = Date.now();
  const ids: string[] = [];
  raw.transaction(() => {
    const row = raw.prepare(
      'INSERT INTO sync_rows (practice_id, table_name, row_id, fields, seq) VALUES (?, ?, ?, ?, ?)',
    );
    const out = raw.prepare(
      `INSERT INTO outgoing_messages (key, practice_id, message_id, kind, channel, recipient, subject, body, tenant_id,
         state, parts, attempts, next_attempt_at, updated_at) VALUES (?, ?, ?, 'reminder', 'sms', ?, '', ?, ?, 'queued', 0, 0, ?, ?)`,
    );
    let seq = 0;
    row.run(
      practiceId,
      'practice',
      randomUUID(),
      fields({ name: 'Bench', time_zone: 'UTC', quiet_start: 0, quiet_end: 0 }),
      ++seq,
    );
    row.run(practiceId, 'tenants', tenantId, fields({ name: 'Bench', sms_credits: 0 }), ++seq);
    for (let i = 0; i < MESSAGES; i += 1) {
      const id = randomUUID();
      ids.push(id);
      const to = `+4917${String(10_000_000 + i)}`;
      const body = `Erinnerung: Ihr Termin morgen um 09:30 in der Praxis am Park (${i}).`;
      row.run(
        practiceId,
        'messages',
        id,
        fields({ kind: 'reminder', channel: 'sms', recipient: to, body, status: 'queued' }),
        ++seq,
      );
      out.run(`${practiceId} ${id}`, practiceId, id, to, body, tenantId, now, now);
    }
    raw.prepare('INSERT INTO sync_counters (practice_id, seq) VALUES (?, ?)').run(practiceId, seq);
  })();

  // Baseline: the carrier alone, 8 at a time like the dispatcher, into a folder of its own.
  const baselineDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-carrier-'));
  const carrierAlone = fileCarrier(baselineDir);
  let next = 0;
  const baseStart = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        await carrierAlone.send({ reference: ids[i]!, to: '+491710000000', text: 'x'.repeat(70) });
      }
    }),
  );
  const baseSeconds = (performance.now() - baseStart) / 1000;
  rmSync(baselineDir, { recursive: true, force: true });

  const sync = new SyncService(database.db, Date.now);
  const ledger = new CreditLedger(database.db, sync, Date.now);
  await ledger.importBalance(practiceId, MESSAGES * 2, 'bench');
  const dispatcher = new Dispatcher(
    database.db,
    sync,
    ledger,
    { sms: fileCarrier(dataDir), mail: { send: async () => {}, close: () => {} } },
    {
      holder: 'bench',
      leaseMs: 120_000,
      batch: 200,
      concurrency: 8,
      maxAttempts: 5,
      intervalMs: 1000,
      now: Date.now,
      log: () => {},
    },
  );
  const started = performance.now();
  let claimed = 0;
  for (let n = await dispatcher.tick(); n > 0; n = await dispatcher.tick()) claimed += n;
  const seconds = (performance.now() - started) / 1000;
  const debits = raw.prepare("SELECT count(*) AS n FROM credit_ledger WHERE kind = 'debit'").get() as { n: number };
  const sent = raw.prepare("SELECT count(*) AS n FROM outgoing_messages WHERE state = 'sent'").get() as { n: number };
  console.log(
    `burst of ${MESSAGES} due SMS: ${seconds.toFixed(1)} s, ${(MESSAGES / seconds).toFixed(0)} messages/s ` +
      `(sent ${sent.n}, debits ${debits.n}, claimed ${claimed}); balance ${await ledger.balance(practiceId, tenantId)}`,
  );
  console.log(
    `  baseline, the file carrier alone: ${baseSeconds.toFixed(1)} s, ${(MESSAGES / baseSeconds).toFixed(0)} messages/s; ` +
      `dispatcher/baseline ${(seconds / baseSeconds).toFixed(1)}×`,
  );

  // A long ledger: 1,000,000 entries for one tenant (written directly; the balance row kept in step).
  const longTenant = randomUUID();
  raw.transaction(() => {
    const insert = raw.prepare(
      `INSERT INTO credit_ledger (id, practice_id, tenant_id, kind, amount, note, created_at) VALUES (?, ?, ?, ?, ?, '', ?)`,
    );
    for (let i = 0; i < LEDGER; i += 1)
      insert.run(randomUUID(), practiceId, longTenant, i % 2 ? 'debit' : 'purchase', i % 2 ? -1 : 2, now + i);
    raw
      .prepare('INSERT INTO credit_balances (practice_id, tenant_id, balance) VALUES (?, ?, ?)')
      .run(practiceId, longTenant, LEDGER / 2);
  })();
  report(
    'balance of a tenant with 1,000,000 entries',
    await measure(500, () => ledger.balance(practiceId, longTenant)),
  );
  report('  baseline: the sum over its ledger', await measure(20, () => ledger.sum(practiceId, longTenant)));
  const [kept, summed] = [await ledger.balance(practiceId, longTenant), await ledger.sum(practiceId, longTenant)];
  console.log(`  kept balance ${kept} = ledger sum ${summed}: ${kept === summed ? 'yes' : 'NO'}`);

  raw.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
