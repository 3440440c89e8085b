/**
 * Sign-in cost (issue 4): argon2id chosen so one sign-in takes 50–250 ms of one core. Measured at the
 * account service (the HTTP route adds well under a millisecond and is rate-limited by design).
 */
import argon2 from 'argon2';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountService } from '../server/accounts/accountService';
import { PasswordHasher } from '../server/accounts/passwords';
import { Throttle } from '../server/security/throttle';
import { TwoFactorService } from '../server/accounts/twoFactor';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { measure, percentile, report } from './stats';

export async function runAccountsBench(): Promise<void> {
  console.log('\n# accounts (argon2id sign-in)');
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-accounts-'));
  const config = loadConfig([`--data-dir=${dataDir}`], {}, '/nonexistent');
  const database = await openServerDb(dataDir);
  const mailer = { send: async () => {}, close: () => {} };
  const hasher = new PasswordHasher(config.argon2MemoryKiB);
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
  console.log(`argon2id: memory ${config.argon2MemoryKiB} KiB, time cost 3, parallelism 1`);

  // The baseline, in the same run: one bare argon2id verification with the same parameters — what a
  // sign-in must cost at least, with nothing of ours on the path.
  const bare = await argon2.hash(password, {
    type: argon2.argon2id,
    memoryCost: config.argon2MemoryKiB,
    timeCost: 3,
    parallelism: 1,
  });
  const baseline = await measure(30, () => argon2.verify(bare, password));
  const signIns = await measure(30, () => accounts.signIn('bench', password, '127.0.0.1'));
  report('baseline: one bare argon2id verify', baseline);
  report('sign-in, one at a time', signIns);
  console.log(
    `  ratio (p50) ${(percentile(signIns, 50) / percentile(baseline, 50)).toFixed(2)}×; ` +
      `${(1000 / percentile(signIns, 50)).toFixed(1)} sign-ins/s per core; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
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
