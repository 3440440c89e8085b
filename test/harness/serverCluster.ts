/**
 * Several real server processes (dist/server/main.cjs) on one PostgreSQL database and one Redis, behind a
 * real nginx that includes the deployed `deploy/nginx/clinicdesk-locations.conf`. The caller writes the
 * `upstream clinicdesk { … }` block (round-robin, or a hash that pins a client to a process).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { canConnect, freePort, startNginx, waitFor, type RunningService } from './services';
import { createTestDatabase, type TestDatabase } from './testDatabase';
import { withHugePages } from '../../server/hugePages.mjs';
import { ROOT } from './testBridge';

export const CLI = join(ROOT, 'dist', 'server', 'main.cjs');
export const LOCATIONS = join(ROOT, 'deploy', 'nginx', 'clinicdesk-locations.conf');
export const CLUSTER_PASSWORD = 'Correct-Horse-7-Battery';

/** What is missing on this machine for a cluster (the tests then report themselves skipped with it). */
export const clusterMissing = (): string[] =>
  [
    inject('postgresUrl') ? null : 'PostgreSQL',
    inject('redisUrl') ? null : 'Redis',
    spawnSync('/usr/sbin/nginx', ['-v']).status === 0 ? null : 'nginx',
  ].filter((m): m is string => m !== null);

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  dataDir: string;
}

export interface Cluster {
  processes: ServerProcess[];
  /** nginx's address: what clients use. */
  base: string;
  databaseUrl: string;
  env(): NodeJS.ProcessEnv;
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Rows from the shared database. */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /** Kills a process with SIGKILL and waits until it is gone. */
  kill(index: number): Promise<void>;
  /** An invited practitioner (by the service admin, through the cluster) registered with a password and PIN. */
  practitioner(admin: string, username: string, organisationId?: string): Promise<{ id: string; accessToken: string }>;
  stop(): Promise<void>;
}

export async function startCluster(options: {
  count: number;
  upstream: (ports: number[]) => string;
  extraEnv?: NodeJS.ProcessEnv;
  /** More flags for every process (`--ring-timeout-seconds=5`). */
  args?: string[];
}): Promise<Cluster> {
  const database: TestDatabase = await createTestDatabase('postgres');
  const secret = randomBytes(32).toString('hex');
  const processes: ServerProcess[] = [];
  const env = (): NodeJS.ProcessEnv => ({
    ...withHugePages(process.env),
    CLINICDESK_DATABASE_URL: database.databaseUrl,
    CLINICDESK_REDIS_URL: inject('redisUrl')!,
    CLINICDESK_SERVER_SECRET: secret,
    CLINICDESK_TRUST_PROXY: '127.0.0.1',
    CLINICDESK_LOG_LEVEL: 'warn',
    ...options.extraEnv,
  });
  const pool = new pg.Pool({ connectionString: database.databaseUrl, max: 2 });

  const startProcess = async (): Promise<void> => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-proc-'));
    const child = spawn(
      process.execPath,
      [CLI, `--port=${port}`, `--data-dir=${dataDir}`, '--argon2-memory-ki-b=8192', ...(options.args ?? [])],
      { env: env(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    processes.push({ child, port, dataDir });
    await waitFor(`server process on ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
      return canConnect(port);
    });
  };

  const stopProcesses = async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGTERM');
        await exited;
      }
      rmSync(p.dataDir, { recursive: true, force: true });
    }
    await pool.end();
    await database.drop();
  };

  let nginx: RunningService;
  try {
    // The first process migrates; the others start on the migrated database (both would be safe: advisory lock).
    for (let i = 0; i < options.count; i += 1) await startProcess();
    const started = await startNginx(
      (port) => `
  ${options.upstream(processes.map((p) => p.port))}
  server { listen 127.0.0.1:${port}; include ${LOCATIONS}; }`,
    );
    if ('skipped' in started) throw new Error(started.skipped);
    nginx = started;
  } catch (error) {
    await stopProcesses();
    throw error;
  }
  const base = nginx.url;

  const api: Cluster['api'] = async (method, path, body, token) => {
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

  /** The registration link mailed to `email` (the mail is a file in the data folder of the process that sent it). */
  const linkFor = (email: string): string | null => {
    for (const p of processes) {
      const folder = join(p.dataDir, 'mail');
      let files: string[];
      try {
        files = readdirSync(folder);
      } catch {
        continue;
      }
      for (const file of files) {
        const text = readFileSync(join(folder, file), 'utf8').replace(/=\r?\n/g, '');
        if (!text.includes(email)) continue;
        const token = /\/register\/([A-Za-z0-9_-]{43})/.exec(text)?.[1];
        if (token) return token;
      }
    }
    return null;
  };

  return {
    processes,
    base,
    databaseUrl: database.databaseUrl!,
    env,
    api,
    query: async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[],
    async kill(index) {
      const victim = processes[index]!;
      if (victim.child.exitCode !== null || victim.child.signalCode !== null) return;
      const exited = new Promise((r) => victim.child.once('exit', r));
      victim.child.kill('SIGKILL');
      await exited;
    },
    async practitioner(admin, username, organisationId) {
      const email = `${username}@praxis.example`;
      const invited = await api(
        'POST',
        '/api/admin/invitations',
        { email, name: username, ...(organisationId ? { organisationId } : {}) },
        admin,
      );
      if (invited.status !== 202) throw new Error(`invitation refused: ${JSON.stringify(invited)}`);
      let token: string | null = null;
      await waitFor(`the invitation mail to ${email}`, () => (token = linkFor(email)) !== null, 20_000);
      const session = await api('POST', `/api/registration/${token}`, { username, password: CLUSTER_PASSWORD });
      const accessToken = String(session.body.accessToken);
      await api('POST', '/api/account/registration/pin', { pin: '35817294' }, accessToken);
      await api('POST', '/api/account/registration/pin/confirm', undefined, accessToken);
      const me = await api('POST', '/api/account/registration/finish', undefined, accessToken);
      if (me.body.registered !== true) throw new Error(`registration failed: ${JSON.stringify(me)}`);
      return { id: String(me.body.id), accessToken };
    },
    async stop() {
      await nginx.stop();
      await stopProcesses();
    },
  };
}

/** The service admin, registered from the CLI's link. */
export async function serviceAdmin(cluster: Cluster): Promise<string> {
  const created = spawnSync(
    process.execPath,
    [CLI, 'create-admin', 'ops@clinicdesk.example', `--data-dir=${cluster.processes[0]!.dataDir}`],
    { env: cluster.env(), encoding: 'utf8' },
  );
  if (created.status !== 0) throw new Error(created.stderr);
  const token = /\/register\/([A-Za-z0-9_-]{43})/.exec(created.stdout)![1]!;
  const tokens = await cluster.api('POST', `/api/registration/${token}`, {
    username: 'ops',
    password: CLUSTER_PASSWORD,
  });
  const admin = String(tokens.body.accessToken);
  await cluster.api('POST', '/api/account/registration/pin', { pin: '35817294' }, admin);
  await cluster.api('POST', '/api/account/registration/pin/confirm', undefined, admin);
  const done = await cluster.api('POST', '/api/account/registration/finish', undefined, admin);
  if (done.body.registered !== true) throw new Error(`admin registration failed: ${JSON.stringify(done)}`);
  return admin;
}
