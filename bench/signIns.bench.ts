/**
 * Sign-ins per second with one and with two server processes behind nginx (issue 17: two processes ≥ 1.8×
 * one). The built server on one PostgreSQL and one Redis, as deployed; eight clients sign in without pause
 * (closed loop), each from its own loopback address (nginx passes it on; the per-address limits count it),
 * as eight of the practice's staff. argon2id runs in libuv's thread pool (four threads by default), so one
 * process may already hash on every core of a small machine: the run is made twice, with the default pool
 * and with one thread per process (a process per core, as a deployment on N cores would run N processes).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../scripts/projectRoot';
import { AccountService } from '../server/accounts/accountService';
import { PasswordHasher } from '../server/accounts/passwords';
import { TwoFactorService } from '../server/accounts/twoFactor';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { Throttle } from '../server/security/throttle';
import { postFrom, startNginx } from '../test/harness/services';
import { startServerProcess, stopAll, withClusterServices } from './cluster.bench';
import { eachRun, loadAverage, medianRun, RUNS } from './stats';

const LOCATIONS = join(projectRoot(), 'deploy', 'nginx', 'clinicdesk-locations.conf');
const CLIENTS = 8;
const SECONDS = 15;
const PASSWORD = 'Correct-Horse-7-Battery';

/** Sign-ins completed per second by CLIENTS clients without pause for SECONDS, and any refusals. */
async function closedLoop(port: number, usernames: string[]): Promise<{ perSecond: number; refused: number }> {
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      while (performance.now() < until) {
        const status = await postFrom(`127.0.0.${10 + i}`, `http://127.0.0.1:${port}/api/auth/sign-in`, {
          username: usernames[i % usernames.length]!,
          password: PASSWORD,
        });
        if (status === 200) done += 1;
        else refused += 1;
      }
    }),
  );
  return { perSecond: done / SECONDS, refused };
}

export async function runSignInsBench(): Promise<void> {
  console.log(`\n# sign-ins per second, one and two server processes behind nginx (issue 17)`);
  await withClusterServices(async ({ pgUrl, redisUrl, servers, dataDirs }) => {
    const secret = randomBytes(32).toString('hex');
    // Accounts with passwords hashed as the server hashes them (its configuration's parameters).
    const seedDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-signins-'));
    dataDirs.push(seedDir);
    // The first server process migrates the database; the seeding waits for it.
    const first = await startServerProcess({ databaseUrl: pgUrl, redisUrl: redisUrl, secret });
    await stopAll([first.child]);
    dataDirs.push(first.dataDir);
    const config = loadConfig([`--data-dir=${seedDir}`], {}, '/nonexistent');
    const database = await openServerDb({ dataDir: seedDir, databaseUrl: pgUrl });
    const hasher = PasswordHasher.configured(config);
    const noMail = { send: async () => {}, close: () => {} };
    const accounts = new AccountService(
      database.db,
      hasher,
      noMail,
      config,
      new TwoFactorService(database.db, hasher, { send: async () => {} }),
      new Throttle(database.db),
    );
    const usernames: string[] = [];
    for (let i = 0; i < CLIENTS; i += 1) {
      const invited = await accounts.invite({ email: `staff${i}@example.org`, role: 'member', language: 'en' });
      await accounts.completeRegistration(invited!.token, { username: `staff${i}`, password: PASSWORD });
      usernames.push(`staff${i}`);
    }
    await database.close();
    console.log(
      `  argon2id ${config.argon2MemoryKiB} KiB, t=${config.argon2TimeCost}, p=1; ${cpus().length} cores; ${CLIENTS} clients without pause; ${SECONDS} s per run`,
    );

    const measure = async (processes: number, pool: string | undefined) => {
      const env: Record<string, string> = pool ? { UV_THREADPOOL_SIZE: pool } : {};
      const ports: number[] = [];
      for (let i = 0; i < processes; i += 1) {
        const started = await startServerProcess({ databaseUrl: pgUrl, redisUrl: redisUrl, secret, env });
        servers.push(started.child);
        dataDirs.push(started.dataDir);
        ports.push(started.port);
      }
      const nginx = await startNginx(
        (port) => `
  upstream clinicdesk { least_conn; ${ports.map((p) => `server 127.0.0.1:${p};`).join(' ')} }
  server { listen 127.0.0.1:${port}; include ${LOCATIONS}; }`,
      );
      if ('skipped' in nginx) throw new Error(nginx.skipped);
      try {
        const runs: { perSecond: number; refused: number; load: string }[] = [];
        for (let run = 0; run < RUNS; run += 1)
          runs.push({ ...(await closedLoop(nginx.port!, usernames)), load: loadAverage() });
        return runs;
      } finally {
        await nginx.stop();
        await stopAll(servers.splice(0));
      }
    };

    for (const pool of [undefined, '1']) {
      const one = await measure(1, pool);
      const two = await measure(2, pool);
      const rate = (run: { perSecond: number }) => run.perSecond;
      const a = medianRun(one, rate);
      const b = medianRun(two, rate);
      const refused = [...one, ...two].reduce((sum, run) => sum + run.refused, 0);
      console.log(
        `  thread pool ${pool ?? 'default (4)'}: one process ${a.perSecond.toFixed(2)}/s, two ${b.perSecond.toFixed(2)}/s: ` +
          `${(b.perSecond / a.perSecond).toFixed(2)}× (target ≥ 1.8×); refused ${refused}\n` +
          `    one: ${eachRun(one, (run) => `${run.perSecond.toFixed(2)}/s (load ${run.load})`)}\n` +
          `    two: ${eachRun(two, (run) => `${run.perSecond.toFixed(2)}/s (load ${run.load})`)}`,
      );
    }
  });
}
