/**
 * Sign-in cost (issue 4): argon2id chosen so one sign-in takes 50–250 ms of one core. Measured at the
 * account service (the HTTP route adds well under a millisecond and is rate-limited by design).
 */
import argon2 from 'argon2';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../scripts/projectRoot';
import { AccountService } from '../server/accounts/accountService';
import { PasswordHasher } from '../server/accounts/passwords';
import { Throttle } from '../server/security/throttle';
import { TwoFactorService } from '../server/accounts/twoFactor';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { eachRun, loadAverage, measure, medianRun, percentile, report, RUNS } from './stats';

export async function runAccountsBench(): Promise<void> {
  console.log('\n# accounts (argon2id sign-in)');
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-accounts-'));
  const config = loadConfig([`--data-dir=${dataDir}`], {}, '/nonexistent');
  const database = await openServerDb(dataDir);
  const mailer = { send: async () => {}, close: () => {} };
  const hasher = PasswordHasher.configured(config);
  const sms = { send: async () => {} };
  const accounts = new AccountService(
    database.db,
    hasher,
    mailer,
    config,
    new TwoFactorService(database.db, hasher, sms),
    new Throttle(database.db),
  );
  const password = 'Correct-Horse-7-Battery';
  const invited = await accounts.invite({ email: 'bench@example.org', role: 'member', language: 'en' });
  await accounts.completeRegistration(invited!.token, { username: 'bench', password });
  console.log(`argon2id: memory ${config.argon2MemoryKiB} KiB, time cost ${config.argon2TimeCost}, parallelism 1`);

  // The baseline, in the same run: one bare argon2id verification with the same parameters — what a
  // sign-in must cost at least, with nothing of ours on the path.
  const bare = await hasher.hash(password);
  // Three runs of both, alternating (the median run by the sign-in's p50 is reported; issue 13).
  const runs: { baseline: number[]; signIns: number[] }[] = [];
  for (let run = 0; run < RUNS; run += 1)
    runs.push({
      baseline: await measure(30, () => argon2.verify(bare, password)),
      signIns: await measure(30, () => accounts.signIn('bench', password, '127.0.0.1')),
    });
  const p50 = (xs: readonly number[]) => percentile(xs, 50);
  const { baseline, signIns } = medianRun(runs, (run) => p50(run.signIns));
  report('baseline: one bare argon2id verify (median run)', baseline);
  report('sign-in, one at a time (median run)', signIns);
  console.log(
    `  ratio (p50) ${(p50(signIns) / p50(baseline)).toFixed(2)}×; ` +
      `${(1000 / p50(signIns)).toFixed(1)} sign-ins/s per core; ${os.cpus().length} cores; load average ${loadAverage()}\n` +
      `  ${eachRun(runs, (run) => `p50 ${p50(run.signIns).toFixed(0)} / ${p50(run.baseline).toFixed(0)} ms`)}`,
  );
  // For comparison in the same run: the same bare verify in a process without huge pages for its memory
  // (server/hugePages.mjs), as every sign-in ran before 2026-12-03.
  const { GLIBC_TUNABLES: _, ...plainEnv } = process.env;
  const plain = spawnSync(
    process.execPath,
    [
      '-e',
      `const argon2 = require('argon2'); (async () => { const xs = [];
       for (let i = 0; i < 10; i += 1) { const t = performance.now(); await argon2.verify(process.argv[1], process.argv[2]); xs.push(performance.now() - t); }
       console.log(JSON.stringify(xs)); })();`,
      bare,
      password,
    ],
    { cwd: projectRoot(), env: plainEnv, encoding: 'utf8' },
  );
  if (plain.status !== 0) throw new Error(`the verify without huge pages failed: ${plain.stderr}`);
  const plainTimes = (JSON.parse(plain.stdout) as number[]).sort((x, y) => x - y);
  console.log(
    `  one bare verify in a process without huge pages: p50 ${p50(plainTimes).toFixed(0)} ms ` +
      `(${(p50(plainTimes) / p50(baseline)).toFixed(2)}× with them)`,
  );
  for (const parallel of [2, 4]) {
    const times: number[] = [];
    const started = performance.now();
    const rounds = 10;
    for (let r = 0; r < rounds; r += 1) {
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          const t = performance.now();
          await accounts.signIn('bench', password, '127.0.0.1');
          times.push(performance.now() - t);
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    report(`sign-in, ${parallel} at once`, times);
    console.log(
      `  throughput ${((rounds * parallel) / seconds).toFixed(1)} sign-ins/s (p99 ${percentile(times, 99).toFixed(0)} ms)`,
    );
  }
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
