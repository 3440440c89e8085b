/**
 * Real services for the tests, from the machine's own (Debian) packages, on loopback only: a throw-away
 * PostgreSQL cluster, a Redis server and nginx. Each starts in a temporary folder on a free port and is
 * stopped (and removed) at the end. Where a binary is missing, the caller gets the reason instead, and the
 * tests that need it report themselves as skipped with that reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

export type ServiceResult = RunningService | { skipped: string };

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Polls a condition (a port accepting, a file appearing) until it holds or the time is up. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function postgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

/** PostgreSQL refuses to run as root: as root the cluster belongs to the postgres user. */
const asServiceUser = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

/**
 * Stops a service and waits for it to exit; one that has not exited after 20 s is killed, so that a test
 * run never hangs on a service that ignored its signal (CI would wait for it until its time is up).
 */
export const stopChild = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', pid?: number): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => {
      if (pid) killQuietly(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }, 20_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (pid) killQuietly(pid, signal);
    else child.kill(signal);
  });

const killQuietly = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

/** Services still running when the test process ends (a crash, an interrupted run) die with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
const track = (child: ChildProcess): ChildProcess => {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
};

export async function startPostgres(): Promise<ServiceResult> {
  const bin = postgresBin();
  if (!bin) return { skipped: 'PostgreSQL is not installed (Debian: apt-get install postgresql)' };
  const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  const [initCmd, initArgs] = asServiceUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'clinicdesk',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) return { skipped: `initdb failed: ${init.stderr.trim().split('\n').at(-1)}` };
  const [cmd, args] = asServiceUser(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dir,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=300',
  ]);
  const child = track(spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const url = `postgres://clinicdesk@127.0.0.1:${port}/postgres`;
  try {
    await waitFor('PostgreSQL', () => {
      if (child.exitCode !== null) throw new Error(`PostgreSQL exited: ${log}`);
      return spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0;
    });
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    return { skipped: String(error) };
  }
  return {
    url,
    async stop() {
      // As root the child is `runuser`, which does not pass SIGINT on: the postmaster itself gets the signal
      // (SIGINT = fast shutdown), and runuser ends with it.
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      await stopChild(child, 'SIGINT', pid > 0 ? pid : undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startRedis(): Promise<ServiceResult> {
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
  if (!bin) return { skipped: 'Redis is not installed (Debian: apt-get install redis-server)' };
  const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-redis-'));
  const port = await freePort();
  const child = track(
    spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    }),
  );
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitFor('Redis', async () => {
      if (child.exitCode !== null) throw new Error('redis-server exited');
      return canConnect(port);
    });
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    return { skipped: String(error) };
  }
  return {
    url,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const canConnect = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    import('node:net').then(
      ({ connect }) => {
        const socket = connect(port, host);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      },
      () => resolve(false),
    );
  });

/**
 * nginx with the given configuration body (the http block's content), in the foreground. One process by
 * default; with `workers`, a master and that many workers (each worker has its own file-descriptor limit:
 * the way to hold more connections than one process may).
 */
export async function startNginx(
  httpBlock: (port: number) => string,
  options: { workers?: number; workerConnections?: number } = {},
): Promise<ServiceResult & { port?: number }> {
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
  if (!bin) return { skipped: 'nginx is not installed (Debian: apt-get install nginx)' };
  const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-nginx-'));
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  writeFileSync(
    config,
    [
      `worker_processes ${options.workers ?? 1};`,
      'daemon off;',
      options.workers ? 'master_process on;' : 'master_process off;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      `events { worker_connections ${options.workerConnections ?? 4096}; }`,
      'http {',
      `  access_log off;`,
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      httpBlock(port),
      '}',
    ].join('\n'),
  );
  const child = track(spawn(bin, ['-c', config, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    await waitFor('nginx', async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${log}`);
      return canConnect(port);
    });
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    return { skipped: String(error) };
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopChild(child, 'SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The status of a JSON POST sent from a chosen loopback address (as from another client's machine): nginx
 * passes that address on, and the server's per-address limits count it.
 */
export function postFrom(
  localAddress: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<number> {
  const text = JSON.stringify(body);
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        localAddress,
        method: 'POST',
        path: pathname,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
