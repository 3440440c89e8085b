/**
 * Telehealth Pro (issue 12), on the server's embedded SQLite: a year of metered calls for 10,000
 * practitioners (2 a working day, 5,000,000 calls), 1,000 of them colleagues in one organisation, a tenth
 * of everyone with the add-on since the middle of the year.
 * - one practitioner's usage (the subscription view and the gate before each consultation): target
 *   p99 < 5 ms; the baseline, in the same run and through the same query builder, is the walk over the
 *   practitioner's year of calls that splits each one into add-on and trial time (what the running
 *   totals, added to at each call's end, avoid);
 * - the organisation's usage table for 1,000 colleagues: target p99 < 50 ms; the baseline is that walk
 *   for each colleague in turn.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../server/accounts/accountService';
import { testPaymentProvider } from '../server/billing/providers';
import { SubscriptionService } from '../server/billing/subscriptionService';
import { VoucherService } from '../server/billing/vouchers';
import { configSchema } from '../server/config';
import { openServerDb, SERVER_DB_FILE } from '../server/db/database';
import { TelehealthService } from '../server/telehealth/telehealthService';
import { activeProfile, loadAverage, measure, reportAgainst, RUNS, type PairedRun } from './stats';

const PRACTITIONERS = 10_000;
const MEMBERS = 1_000;
const CALLS_PER_DAY = 2;
const DAY = 86_400_000;

export async function runTelehealthBench(): Promise<void> {
  console.log('\n# telehealth (issue 12): SQLite, one server process');
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-telehealth-'));
  const database = await openServerDb(dataDir);
  const raw = new Database(join(dataDir, SERVER_DB_FILE));
  raw.pragma('busy_timeout = 10000');
  const now = Date.UTC(2027, 0, 1, 9);
  const yearAgo = now - 365 * DAY;
  const organisationId = randomUUID();
  const ids = Array.from({ length: PRACTITIONERS }, () => randomUUID());
  const addOnSince = now - 182 * DAY;
  const started = performance.now();
  // Indexes are built once after the load (as a restore would), not row by row.
  raw.exec('DROP INDEX video_sessions_host; DROP INDEX video_sessions_open;');
  let n = 0;
  raw.transaction(() => {
    raw
      .prepare('INSERT INTO organisations (id, name, code, created_at) VALUES (?, ?, ?, ?)')
      .run(organisationId, 'Klinikum Bench', 'BENCH-0001', yearAgo);
    const account = raw.prepare(
      `INSERT INTO accounts (id, email, name, role, organisation_id, status, language, created_at, registered_at)
       VALUES (?, ?, ?, ?, ?, 'active', 'en', ?, ?)`,
    );
    const addon = raw.prepare(
      `INSERT INTO telehealth_addons (id, owner, account_id, payment_id, active, starts_at, ends_at, created_at)
       VALUES (?, ?, ?, NULL, 1, ?, NULL, ?)`,
    );
    const call = raw.prepare(
      `INSERT INTO video_sessions (id, host_id, organisation_id, kind, connected_at, last_seen_at, ended_at, addon_ms, trial_ms)
       VALUES (?, ?, ?, 'guest', ?, ?, ?, ?, ?)`,
    );
    const trialTotal = raw.prepare('INSERT INTO telehealth_totals (account_id, trial_ms) VALUES (?, ?)');
    const periodTotal = raw.prepare(
      'INSERT INTO telehealth_period_usage (account_id, period_start, addon_ms) VALUES (?, ?, ?)',
    );
    const periodStart = now - 10 * DAY;
    ids.forEach((id, i) => {
      const member = i < MEMBERS;
      const org = member ? organisationId : null;
      account.run(
        id,
        `p${i}@bench.example`,
        `Practitioner ${i}`,
        i === 0 ? 'org_admin' : 'member',
        org,
        yearAgo,
        yearAgo,
      );
      const withAddOn = i % 10 === 0;
      if (withAddOn)
        addon.run(randomUUID(), member ? `org:${organisationId}` : `acct:${id}`, id, addOnSince, addOnSince);
      let trialMs = 0;
      let periodMs = 0;
      for (let d = 0; d < 365; d += 1) {
        if (d % 7 >= 5) continue; // weekends
        for (let c = 0; c < CALLS_PER_DAY; c += 1) {
          const at = yearAgo + d * DAY + (8 + c * 4) * 3_600_000 + (i % 60) * 60_000;
          const end = at + (10 + ((i + d + c) % 20)) * 60_000;
          const inside = withAddOn && at >= addOnSince ? end - at : 0;
          call.run(`s${(n += 1).toString().padStart(9, '0')}`, id, org, at, end, end, inside, end - at - inside);
          trialMs += end - at - inside;
          if (end >= periodStart) periodMs += inside;
        }
      }
      trialTotal.run(id, trialMs);
      if (periodMs > 0) periodTotal.run(id, periodStart, periodMs);
    });
    // Everyone has a running subscription (the organisation's for its colleagues).
    const sub = raw.prepare(
      `INSERT INTO subscriptions (owner, plan, status, trial_ends_at, started_at, current_period_start, current_period_end,
         currency, seats, provider, provider_method, updated_at) VALUES (?, ?, 'active', ?, ?, ?, ?, 'EUR', 1, 'test', 'pm_test_visa_4242', ?)`,
    );
    sub.run(`org:${organisationId}`, 'organisation', yearAgo, yearAgo, now - 10 * DAY, now + 21 * DAY, now);
    for (const id of ids.slice(MEMBERS))
      sub.run(`acct:${id}`, 'flex', yearAgo, yearAgo, now - 10 * DAY, now + 21 * DAY, now);
  })();
  raw.exec(
    'CREATE INDEX video_sessions_host ON video_sessions (host_id, connected_at); CREATE INDEX video_sessions_open ON video_sessions (ended_at, last_seen_at); ANALYZE;',
  );
  const calls = (raw.prepare('SELECT count(*) AS n FROM video_sessions').get() as { n: number }).n;
  console.log(
    `seeded ${calls} calls of ${PRACTITIONERS} practitioners in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const config = configSchema.parse({ dataDir, webDir: dataDir });
  const clock = () => now;
  const subscriptions = new SubscriptionService(
    database.db,
    new VoucherService(database.db, clock),
    testPaymentProvider(),
    {
      plans: config.billingPlans,
      vatRates: config.vatRates,
      trialDays: config.trialDays,
      graceDays: config.paymentGraceDays,
      now: clock,
    },
  );
  const telehealth = new TelehealthService(database.db, subscriptions, {
    telehealth: config.telehealth,
    plans: config.billingPlans,
    now: clock,
  });
  const profile = (i: number): Profile =>
    activeProfile({
      id: ids[i]!,
      email: `p${i}@bench.example`,
      name: `Practitioner ${i}`,
      username: null,
      role: i === 0 ? 'org_admin' : 'member',
      organisationId: i < MEMBERS ? organisationId : null,
    });
  const pick = (run: number) => profile(MEMBERS + ((run * 7919) % (PRACTITIONERS - MEMBERS)));

  // Warm up the statement cache and the page cache for both ways.
  for (let i = 0; i < 50; i += 1) await telehealth.usage(pick(i));

  // Baseline: the practitioner's year of calls walked and split in JS, as before the stored split.
  const walk = raw.prepare('SELECT connected_at, last_seen_at, ended_at FROM video_sessions WHERE host_id = ?');
  const windows = raw.prepare('SELECT starts_at, ends_at FROM telehealth_addons WHERE account_id = ? AND active = 1');
  const naive = (id: string) => {
    const own = windows.all(id) as { starts_at: number; ends_at: number | null }[];
    let trial = 0;
    let period = 0;
    for (const s of walk.all(id) as { connected_at: number; last_seen_at: number; ended_at: number | null }[]) {
      const b = s.ended_at ?? s.last_seen_at;
      let inside = 0;
      for (const w of own)
        inside += Math.max(0, Math.min(b, w.ends_at ?? Infinity) - Math.max(s.connected_at, w.starts_at));
      trial += b - s.connected_at - inside;
      if (s.connected_at >= now - 10 * DAY) period += inside;
    }
    return { trial, period };
  };
  // Three runs after the set-up (issue 13); each measures both ways, the median run is reported.
  const admin = profile(0);
  const single: PairedRun[] = [];
  const organisation: PairedRun[] = [];
  for (let r = 0; r < RUNS; r += 1) {
    single.push({
      baseline: await measure(2000, (run) => naive(pick(run).id)),
      product: await measure(2000, (run) => telehealth.usage(pick(run))),
    });
    organisation.push({
      baseline: await measure(10, async () => {
        for (let i = 0; i < MEMBERS; i += 1) await naive(ids[i]!);
      }),
      product: await measure(200, () => telehealth.members(admin)),
    });
  }
  reportAgainst('usage of one practitioner (target p99 < 5 ms)', 'walk a year of calls', single);
  reportAgainst('organisation usage table, 1,000 colleagues (target p99 < 50 ms)', '1,000 walks in turn', organisation);
  console.log(`  load average ${loadAverage()}`);
  const check = await telehealth.members(admin);
  if (check.length !== MEMBERS) throw new Error(`expected ${MEMBERS} colleagues, got ${check.length}`);

  raw.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
