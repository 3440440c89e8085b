/**
 * Several real server processes (dist/server/main.cjs) on one PostgreSQL and one Redis, behind a real nginx
 * that includes the deployed `deploy/nginx/clinicdesk-locations.conf`. Requests alternate between the
 * processes (round-robin here, so that both are certainly used). Proven across processes: the sign-in
 * lockout (kept in the database), a route's rate limit (kept in Redis), one housekeeping lease holder, and
 * that killing one process with SIGKILL leaves the service answering through the other.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { canConnect, freePort, startNginx, waitFor, type RunningService } from '../harness/services';
import { createTestDatabase, type TestDatabase } from '../harness/testDatabase';
import { ROOT } from '../harness/testBridge';

const CLI = join(ROOT, 'dist', 'server', 'main.cjs');
const LOCATIONS = join(ROOT, 'deploy', 'nginx', 'clinicdesk-locations.conf');
const PASSWORD = 'Correct-Horse-7-Battery';
const missing = [
  inject('postgresUrl') ? null : 'PostgreSQL',
  inject('redisUrl') ? null : 'Redis',
  spawnSync('/usr/sbin/nginx', ['-v']).status === 0 ? null : 'nginx',
].filter(Boolean);

let database: TestDatabase;
let nginx: RunningService & { port?: number };
const processes: { child: ChildProcess; port: number; dataDir: string }[] = [];
let base = '';

const env = () => ({
  ...process.env,
  CLINICDESK_DATABASE_URL: database.databaseUrl,
  CLINICDESK_REDIS_URL: inject('redisUrl')!,
  CLINICDESK_SERVER_SECRET: secret,
  CLINICDESK_TRUST_PROXY: '127.0.0.1',
  CLINICDESK_LOG_LEVEL: 'warn',
});
const secret = randomBytes(32).toString('hex');

async function startProcess(): Promise<void> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-proc-'));
  const child = spawn(process.execPath, [CLI, `--port=${port}`, `--data-dir=${dataDir}`, '--argon2-memory-ki-b=8192'], {
    env: env(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  processes.push({ child, port, dataDir });
  await waitFor(`server process on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
    return canConnect(port);
  });
}

const api = async (method: string, path: string, body?: unknown, token?: string) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

beforeAll(async () => {
  if (missing.length > 0) return;
  database = await createTestDatabase('postgres');
  // The first process migrates; the second starts on the migrated database (both would be safe: advisory lock).
  await startProcess();
  await startProcess();
  const started = await startNginx(
    (port) => `
  upstream clinicdesk { ${processes.map((p) => `server 127.0.0.1:${p.port} max_fails=1 fail_timeout=10s;`).join(' ')} }
  server { listen 127.0.0.1:${port}; include ${LOCATIONS}; }`,
  );
  if ('skipped' in started) throw new Error(started.skipped);
  nginx = started;
  base = started.url;
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  for (const p of processes) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGTERM');
      await exited;
    }
    rmSync(p.dataDir, { recursive: true, force: true });
  }
  await database?.drop();
});

describe.skipIf(missing.length > 0)(
  `two server processes behind nginx${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    let admin = '';

    it('registers the service admin from the CLI link, through either process', async () => {
      const created = spawnSync(
        process.execPath,
        [CLI, 'create-admin', 'ops@clinicdesk.example', `--data-dir=${processes[0]!.dataDir}`],
        {
          env: env(),
          encoding: 'utf8',
        },
      );
      expect(created.status, created.stderr).toBe(0);
      const token = /\/register\/([A-Za-z0-9_-]{43})/.exec(created.stdout)![1]!;
      const tokens = await api('POST', `/api/registration/${token}`, { username: 'ops', password: PASSWORD });
      admin = String(tokens.body.accessToken);
      await api('POST', '/api/account/registration/pin', { pin: '35817294' }, admin);
      await api('POST', '/api/account/registration/pin/confirm', undefined, admin);
      const done = await api('POST', '/api/account/registration/finish', undefined, admin);
      expect(done.body).toMatchObject({ registered: true });
      // Both processes answer for the same session (requests alternate between them).
      for (let i = 0; i < 4; i += 1) expect((await api('GET', '/api/account/me', undefined, admin)).status).toBe(200);
    });

    it('locks sign-in after five failures although the attempts are spread over both processes', async () => {
      const answers: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        answers.push(
          (await api('POST', '/api/auth/sign-in', { username: 'ops', password: 'Wrong-Password-1' })).status,
        );
      }
      expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.slice(5)).toEqual([429, 429]);
    });

    it("keeps a route's rate limit across processes (counters in Redis)", async () => {
      // The PIN check allows 10 a minute from one address: 12 requests over two processes must not get 12 answers.
      const answers: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        answers.push((await api('POST', '/api/admin/pin-check', { username: 'ops', pin: '35817294' }, admin)).status);
      }
      expect(answers.filter((s) => s === 200)).toHaveLength(10);
      expect(answers.slice(10)).toEqual([429, 429]);
    });

    it('has one housekeeping lease holder for both processes', async () => {
      const client = new pg.Client({ connectionString: database.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query("select holder from leases where name = 'housekeeping'");
        expect(rows).toHaveLength(1);
        expect(String(rows[0].holder)).toMatch(new RegExp(`^${processes[0]!.child.pid}-`));
      } finally {
        await client.end();
      }
    });

    it('goes on answering through the other process when one is killed with SIGKILL', async () => {
      const victim = processes[0]!;
      const exited = new Promise((r) => victim.child.once('exit', r));
      victim.child.kill('SIGKILL');
      await exited;
      for (let i = 0; i < 6; i += 1) {
        expect((await api('GET', '/api/ready')).status).toBe(200);
        expect((await api('GET', '/api/account/me', undefined, admin)).status).toBe(200);
      }
    });
  },
);
