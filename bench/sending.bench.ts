/**
 * Sending (issue 10). On the server's embedded SQLite with one process:
 * - a burst of 10,000 SMS reminders due at the same minute, drained by the dispatcher through the file
 *   carrier, each debited in the ledger (target < 60 s, ≥ 200 messages/s); the baseline, in the same run,
 *   is the carrier alone handing over 10,000 messages (the disk's share of the work);
 * - a tenant's balance with 1,000,000 ledger entries (target p99 < 5 ms); the baseline is the naive sum
 *   over the ledger, which the kept balance avoids.
 * On PostgreSQL (Debian's package, a throw-away cluster on loopback), the same burst drained by one
 * dispatching process and then by two (forked from this bundle, each with its own pool), handing over to a
 * stand-in of GatewayAPI's REST API on loopback, in the same run: target two ≥ 1.6 × one. Each round is a fresh burst
 * of 10,000 SMS over 10 practices (a provider's 08:00), drained by dispatchers that have been running (a warm-up
 * burst first, not counted) on a database whose planner statistics are current.
 */
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGatewayApiStandIn } from '../test/harness/gatewayApiStandIn';
import { queuedSms } from '../test/harness/queuedSms';
import { startPostgres } from '../test/harness/services';
import { openServerDb, SERVER_DB_FILE, type ServerDb } from '../server/db/database';
import { fileCarrier, gatewayApiCarrier } from '../server/sending/carriers';
import { Dispatcher } from '../server/sending/dispatcher';
import { CreditLedger } from '../server/sending/ledger';
import { SyncService } from '../server/sync/syncService';
import { measure, processCpuSeconds, report } from './stats';

const MESSAGES = 10_000;
/** The dispatcher's settings in every round: batches of 200, eight hand-overs at once. */
const DISPATCH = { leaseMs: 120_000, batch: 200, concurrency: 8, maxAttempts: 5, intervalMs: 1000, now: Date.now };
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
    { ...DISPATCH, holder: 'bench', log: () => {} },
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
  await twoProcessesOnPostgres();
}

const WORKER_ROLE = 'sending-dispatcher';
const PRACTICES = 10;

/** One burst of due SMS over several practices, each tenant with enough credits, written straight to PG. */
async function seedBurst(db: ServerDb['db'], messages: number): Promise<void> {
  const now = Date.now();
  const perPractice = messages / PRACTICES;
  for (let p = 0; p < PRACTICES; p += 1) {
    const practiceId = `acct:${randomUUID()}`;
    const tenantId = randomUUID();
    let seq = 0;
    await db
      .insertInto('sync_rows')
      .values([
        {
          practice_id: practiceId,
          table_name: 'practice',
          row_id: randomUUID(),
          fields: fields({ name: 'Bench', time_zone: 'UTC', quiet_start: 0, quiet_end: 0 }),
          seq: ++seq,
        },
        {
          practice_id: practiceId,
          table_name: 'tenants',
          row_id: tenantId,
          fields: fields({ name: 'Bench', sms_credits: 0 }),
          seq: ++seq,
        },
      ])
      .execute();
    await db
      .insertInto('credit_ledger')
      .values({
        id: randomUUID(),
        practice_id: practiceId,
        tenant_id: tenantId,
        kind: 'purchase',
        amount: perPractice * 2,
        message_id: null,
        reference: null,
        note: 'bench',
        idempotency_key: `bench:${practiceId}`,
        created_by: null,
        created_at: now,
      })
      .execute();
    await db
      .insertInto('credit_balances')
      .values({ practice_id: practiceId, tenant_id: tenantId, balance: perPractice * 2 })
      .execute();
    for (let start = 0; start < perPractice; start += 500) {
      const batch = Array.from({ length: Math.min(500, perPractice - start) }, (_, i) => ({
        id: randomUUID(),
        to: `+4917${String(10_000_000 + p * perPractice + start + i)}`,
        body: `Erinnerung: Ihr Termin morgen um 09:30 in der Praxis am Park (${start + i}).`,
      }));
      await db
        .insertInto('sync_rows')
        .values(
          batch.map((m) => ({
            practice_id: practiceId,
            table_name: 'messages',
            row_id: m.id,
            seq: ++seq,
            fields: fields({ kind: 'reminder', channel: 'sms', recipient: m.to, body: m.body, status: 'queued' }),
          })),
        )
        .execute();
      await db
        .insertInto('outgoing_messages')
        .values(
          batch.map((m) =>
            queuedSms({ practiceId, id: m.id, recipient: m.to, body: m.body, tenantId, kind: 'reminder', dueAt: now }),
          ),
        )
        .execute();
    }
    await db.insertInto('sync_counters').values({ practice_id: practiceId, seq }).execute();
  }
}

/** The machine's CPU time so far (all cores), busy and in total, in ms. */
const cpuTimes = () =>
  cpus().reduce(
    (sum, c) => {
      const total = c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
      return { busy: sum.busy + total - c.times.idle, total: sum.total + total };
    },
    { busy: 0, total: 0 },
  );

/** Two forked dispatchers, each with its own pool, started once and kept for every round. */
function startDispatchers(
  databaseUrl: string,
  gatewayUrl: string,
): { workers: ChildProcess[]; ready: Promise<unknown> } {
  const workers = Array.from({ length: 2 }, () =>
    fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, CLINICDESK_BENCH_ROLE: WORKER_ROLE, BENCH_DB: databaseUrl, BENCH_GATEWAY: gatewayUrl },
    }),
  );
  return { workers, ready: Promise.all(workers.map(nextMessage)) };
}

const nextMessage = (w: ChildProcess) => new Promise<unknown>((resolve) => w.once('message', resolve));

/** The CPU time (s) the given processes have used so far; one that has ended counts nothing. */
const cpuOf = (pids: readonly number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + processCpuSeconds(pid);
    } catch {
      return sum;
    }
  }, 0);

/**
 * Drains one burst with the given dispatchers: seconds from "go" until all found nothing due, the
 * dispatchers' own CPU time, PostgreSQL's (its backends and background processes, from /proc), this
 * process's (the GatewayAPI stand-in), and how busy the machine's cores were meanwhile (all of it).
 */
async function drain(
  workers: readonly ChildProcess[],
  postgresPids: readonly number[],
): Promise<{ seconds: number; dispatcherCpu: number; postgresCpu: number; standInCpu: number; busyCores: number }> {
  const cpuBefore = cpuTimes();
  const postgresBefore = cpuOf(postgresPids);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const done = workers.map(nextMessage);
  for (const w of workers) w.send('go');
  const answers = (await Promise.all(done)) as { cpuMs: number }[];
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuTimes();
  const own = process.cpuUsage(ownBefore);
  const cores = cpus().length;
  return {
    seconds,
    dispatcherCpu: answers.reduce((sum, a) => sum + a.cpuMs, 0) / 1000,
    postgresCpu: cpuOf(postgresPids) - postgresBefore,
    standInCpu: (own.user + own.system) / 1e6,
    busyCores: ((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total)) * cores,
  };
}

/**
 * A stand-in of GatewayAPI's documented REST API on loopback that takes every message at once: the carrier
 * of a provider's several processes (the file gateway is the embedded default of one process, and its one
 * folder would make the disk the thing measured).
 */
async function gatewayStandIn(): Promise<{ url: string; taken: () => number; close: () => Promise<void> }> {
  let taken = 0;
  const standIn = await startGatewayApiStandIn(({ url, authorization, body }) => {
    // The root is one message or a list of them; one id per message, in order.
    const messages = (Array.isArray(body) ? body : [body]) as { userref?: unknown }[];
    const ok =
      url === '/rest/mtsms' && authorization === 'Token bench' && messages.every((m) => typeof m.userref === 'string');
    return ok
      ? { status: 200, body: { ids: messages.map(() => (taken += 1)) } }
      : { status: 400, body: { code: 'bad', message: 'bad request' } };
  });
  return { ...standIn, taken: () => taken };
}

async function twoProcessesOnPostgres(): Promise<void> {
  console.log('\n# sending (issue 10): PostgreSQL, one dispatching process, then two; GatewayAPI stand-in');
  const pg = await startPostgres();
  if (!('url' in pg)) {
    console.log(`  skipped: ${pg.skipped}`);
    return;
  }
  const gateway = await gatewayStandIn();
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-pg-sending-'));
  const database = await openServerDb({ dataDir, databaseUrl: pg.url });
  try {
    const sentCount = async () =>
      Number(
        (
          await database.db
            .selectFrom('outgoing_messages')
            .select((eb) => eb.fn.countAll<string | number>().as('n'))
            .where('state', '=', 'sent')
            .executeTakeFirstOrThrow()
        ).n,
      );
    // The two dispatchers are started once and warmed up by a first burst that is not counted: a server's
    // dispatcher at 08:00 has been running for hours, while a fresh process compiles its code during the
    // first second of a burst that lasts three — paid once by one process and twice by two, which measured
    // start-up rather than sending. Then five rounds of each, alternating (one process: each of the two in
    // turn); the median round counts (three rounds of each left the figure to one round's luck on a machine
    // whose speed drifts within a minute: rounds of the same run differed by a fifth).
    const { workers, ready } = startDispatchers(pg.url, gateway.url);
    await ready;
    const rates: Record<number, number[]> = { 1: [], 2: [] };
    // Per round: the cores the machine kept busy, and its CPU time per message (µs, every process).
    const busy: Record<number, number[]> = { 1: [], 2: [] };
    const machinePerMessage: Record<number, number[]> = { 1: [], 2: [] };
    const rounds = [0, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
    let ones = 0;
    for (const processes of rounds) {
      const before = await sentCount();
      await seedBurst(database.db, MESSAGES);
      // Planner statistics as PostgreSQL's autovacuum leaves them for reminders that were queued days
      // before they fell due (it analyses a table within a minute of a tenth of it changing); without, the
      // queue's head is planned for the few queued rows the last analysis saw — a bitmap read and a sort of
      // the whole burst at every claim instead of reading the head off the queue's index.
      await sql`analyze`.execute(database.db);
      const takenBefore = gateway.taken();
      // PostgreSQL's processes as they are now (the dispatchers' pools are open, so their backends are listed).
      const postgresPids = (await sql<{ pid: number }>`select pid from pg_stat_activity`.execute(database.db)).rows.map(
        (r) => Number(r.pid),
      );
      const { seconds, dispatcherCpu, postgresCpu, standInCpu, busyCores } = await drain(
        processes === 1 ? [workers[ones++ % 2]!] : workers,
        postgresPids,
      );
      const sent = (await sentCount()) - before;
      const taken = gateway.taken() - takenBefore;
      const rate = MESSAGES / seconds;
      if (processes > 0) {
        rates[processes]!.push(rate);
        busy[processes]!.push(busyCores);
        machinePerMessage[processes]!.push((busyCores * seconds * 1e6) / MESSAGES);
      }
      console.log(
        `  ${processes === 0 ? 'warm-up, 2 processes' : processes === 1 ? '1 process' : '2 processes'}: ${MESSAGES} SMS over ${PRACTICES} practices in ${seconds.toFixed(1)} s, ` +
          `${rate.toFixed(0)} messages/s (sent ${sent}, taken by the gateway ${taken}); CPU s dispatchers ${dispatcherCpu.toFixed(2)}, ` +
          `PostgreSQL ${postgresCpu.toFixed(2)}, stand-in ${standInCpu.toFixed(2)}, ` +
          `cores busy ${busyCores.toFixed(2)} of ${cpus().length}; load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    await Promise.all(workers.map((w) => new Promise((r) => (w.send('exit'), w.once('exit', r)))));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `  median of ${rates[1]!.length}: one process ${median(rates[1]!).toFixed(0)}/s, two ${median(rates[2]!).toFixed(0)}/s; ` +
        `two / one ${(median(rates[2]!) / median(rates[1]!)).toFixed(2)}× (target ≥ 1.6×)`,
    );
    // What the machine allows: one process keeps about a core and a tenth busy (the dispatcher waits for
    // PostgreSQL's answers, PostgreSQL for the dispatcher's next statement), two can keep at most every core
    // busy; the ratio of those, less what two cost more per message, is as far as two / one can go here.
    const cores = cpus().length;
    const perMessage = median(machinePerMessage[2]!) / median(machinePerMessage[1]!);
    console.log(
      `  cores busy: one process ${median(busy[1]!).toFixed(2)}, two ${median(busy[2]!).toFixed(2)} of ${cores}; ` +
        `the machine's CPU per message: one ${median(machinePerMessage[1]!).toFixed(0)} µs, two ${median(machinePerMessage[2]!).toFixed(0)} µs (${perMessage.toFixed(2)}×); ` +
        `two / one can reach at most ${(cores / median(busy[1]!)).toFixed(2)}× on ${cores} cores, ` +
        `${(median(busy[2]!) / median(busy[1]!) / perMessage).toFixed(2)}× with these figures`,
    );
  } finally {
    await gateway.close();
    await database.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A forked dispatcher: ticks until nothing is due, then says so. */
async function dispatchWorker(): Promise<void> {
  const database = await openServerDb({
    dataDir: mkdtempSync(join(tmpdir(), 'clinicdesk-bench-dispatcher-')),
    databaseUrl: process.env.BENCH_DB!,
  });
  const sync = new SyncService(database.db, Date.now);
  const ledger = new CreditLedger(database.db, sync, Date.now);
  const dispatcher = new Dispatcher(
    database.db,
    sync,
    ledger,
    {
      sms: gatewayApiCarrier({ baseUrl: process.env.BENCH_GATEWAY!, token: 'bench', sender: 'Praxis' }),
      mail: { send: async () => {}, close: () => {} },
    },
    { ...DISPATCH, holder: `bench-${process.pid}`, log: (m, d) => console.error(m, d), dialect: database.dialect },
  );
  process.on('message', (m) => {
    if (m === 'go')
      void (async () => {
        const cpu = process.cpuUsage();
        let claimed = 0;
        for (let n = await dispatcher.tick(); n > 0; n = await dispatcher.tick()) claimed += n;
        const used = process.cpuUsage(cpu);
        process.send!({ claimed, cpuMs: (used.user + used.system) / 1000 });
      })();
    if (m === 'exit') void database.close().then(() => process.exit(0));
  });
  process.send!('ready');
}

/** True in a forked dispatcher: it dispatches and runs no benchmark. */
export const isSendingWorker = process.env.CLINICDESK_BENCH_ROLE === WORKER_ROLE;
if (isSendingWorker) void dispatchWorker();
