/**
 * Several server processes (issue 17): two server processes on one PostgreSQL and one Redis behind nginx
 * (WebSocket only, `least_conn`, four workers), 20,000 authenticated sockets in 10,000 calls, ICE
 * candidates relayed at 4,000 messages/s. The clients are two processes of their own with 10,000 sockets
 * each (one process may hold 20,000 file descriptors on this machine; nginx's workers share its 40,000
 * connections for the same reason), each measuring send → receive on its own calls, both clocks in that
 * process. nginx places each socket; how many calls have their two sockets on different server processes
 * is counted from the shared socket table. The baseline in the same run: bare socket.io with the same
 * Redis streams adapter, in two processes behind the same kind of nginx, with as many sockets and the same
 * rate, forwarding each signal to its addressee's room (no authentication, schema or call state).
 */
import { randomBytes } from 'node:crypto';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'socket.io-client';
import { projectRoot } from '../scripts/projectRoot';
import { withHugePages } from '../server/hugePages.mjs';
import {
  canConnect,
  freePort,
  startNginx,
  startPostgres,
  startRedis,
  stopChild,
  waitFor,
} from '../test/harness/services';
import { connectAll, forwardSignals, pairIntoCalls, relayLatencies, seedPairs } from './signalling.bench';
import { cpuPerUnit, loadAverage, percentile, reportAgainst, RUNS, type PairedRun } from './stats';

const CLIENT_ROLE = 'cluster-bench-client';
const BARE_ROLE = 'cluster-bench-bare-server';
const CLIENTS = 2;
const LOCATIONS = join(projectRoot(), 'deploy', 'nginx', 'clinicdesk-locations.conf');
const CLI = join(projectRoot(), 'dist', 'server', 'main.cjs');

type ClientSetup = { base: string; mode: 'product' | 'bare'; peers: { id: string; token: string }[] };

/** A client process: its sockets and calls, then a relay run per 'run' message. */
async function client(): Promise<void> {
  let sockets: Socket[] = [];
  let calls: { callId: string; from: Socket; to: string }[] = [];
  let setup: ClientSetup | null = null;
  process.on('message', (message: { setup?: ClientSetup; pair?: true; run?: number; close?: true }) => {
    void (async () => {
      if (message.setup) {
        setup = message.setup;
        const { base, mode, peers } = setup;
        sockets = await connectAll(
          base,
          peers.map((p): Record<string, string> => (mode === 'product' ? { token: p.token } : { id: p.id })),
        );
        process.send!({ connected: true });
      }
      if (message.pair && setup) {
        const { mode, peers } = setup;
        calls =
          mode === 'product'
            ? await pairIntoCalls(sockets, peers)
            : peers
                .filter((_, i) => i % 2 === 0)
                .map((_, k) => ({ callId: `bare-${k}`, from: sockets[2 * k]!, to: peers[2 * k + 1]!.id }));
        const pairs = Array.from({ length: sockets.length / 2 }, (_, k): [string, string] => [
          sockets[2 * k]!.id!,
          sockets[2 * k + 1]!.id!,
        ]);
        process.send!({ ready: true, pairs });
      }
      if (message.run) process.send!(await relayLatencies(sockets, calls, message.run));
      if (message.close) {
        for (const socket of sockets) socket.disconnect();
        process.send!({ closed: true }, () => process.exit(0));
      }
    })();
  });
}

/** The baseline's server process: bare socket.io with the Redis streams adapter. */
async function bareServer(): Promise<void> {
  const { createServer } = await import('node:http');
  const { Server } = await import('socket.io');
  const { connectRedis } = await import('../server/cluster/redis');
  // The adapter as the server makes it (the same Redis connection options).
  const redis = await connectRedis(process.env.CLINICDESK_REDIS_URL!);
  const http = createServer();
  forwardSignals(new Server(http, { transports: ['websocket'], adapter: redis.adapter }));
  await new Promise<void>((resolve) => http.listen(Number(process.env.CLINICDESK_PORT), '127.0.0.1', resolve));
  process.send!({ listening: true });
}

/**
 * Node options for profiling a process of the benchmark (`--cpu-prof`, `--trace-gc`), from the environment
 * variable `name`: given on the command line, as NODE_OPTIONS refuses some of them (`--trace-gc`).
 */
const nodeArgs = (name: string): string[] => process.env[name]?.split(' ').filter(Boolean) ?? [];

const answer = <T>(child: ChildProcess, message: unknown): Promise<T> =>
  new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`a bench process ended (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    child.send(message as object);
  });

const rssOf = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) * 1024 : Number.NaN;
};

/** Two processes behind nginx; clients connect, pair and relay RUNS times; their latencies per run. */
async function measureBehindNginx(
  mode: 'product' | 'bare',
  ports: number[],
  peers: { id: string; token: string }[],
  rate: number,
  servers: ChildProcess[],
  /** Which server process holds each socket, asked while they are connected. */
  placement: () => Promise<Map<string, string>> = async () => new Map(),
): Promise<{
  runs: number[][];
  across: number;
  pairs: number;
  connectSeconds: number;
  /** Setting up the calls (product: invite and accept, 100 pairs at a time per client). */
  pairSeconds: number;
  rssPerSocket: number;
  rssPerSocketInCall: number;
  /** The server processes' CPU time per signal sent, per run (µs). */
  cpuPerSignal: number[];
}> {
  const nginx = await startNginx(
    (port) => `
  upstream clinicdesk { least_conn; ${ports.map((p) => `server 127.0.0.1:${p};`).join(' ')} }
  server { listen 127.0.0.1:${port} reuseport; include ${LOCATIONS}; }`,
    { workers: 4, workerConnections: 16_000 },
  );
  if ('skipped' in nginx) throw new Error(nginx.skipped);
  const clients = Array.from({ length: CLIENTS }, () =>
    fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, CLINICDESK_BENCH_ROLE: CLIENT_ROLE },
      // The load generator's pauses are in every latency it measures: `CLUSTER_CLIENT_NODE_ARGS=--trace-gc`.
      execArgv: [...process.execArgv, ...nodeArgs('CLUSTER_CLIENT_NODE_ARGS')],
    }),
  );
  try {
    const rssBefore = servers.reduce((sum, s) => sum + rssOf(s.pid!), 0);
    const started = performance.now();
    const share = peers.length / CLIENTS;
    await Promise.all(
      clients.map((c, i) =>
        answer(c, { setup: { base: nginx.url, mode, peers: peers.slice(i * share, (i + 1) * share) } }),
      ),
    );
    const connectSeconds = (performance.now() - started) / 1000;
    // Memory per socket before the calls: what holding a connection costs (the calls' state comes on top).
    const rssPerSocket = (servers.reduce((sum, s) => sum + rssOf(s.pid!), 0) - rssBefore) / peers.length;
    // The bare relay has no calls to set up: its pairing is only the clients' bookkeeping.
    const pairingStarted = performance.now();
    const ready = await Promise.all(clients.map((c) => answer<{ pairs: [string, string][] }>(c, { pair: true })));
    const pairSeconds = (performance.now() - pairingStarted) / 1000;
    const rssPerSocketInCall = (servers.reduce((sum, s) => sum + rssOf(s.pid!), 0) - rssBefore) / peers.length;
    const runs: number[][] = [];
    const cpuPerSignal: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      // Includes the second after the last signal that the clients wait for stragglers.
      const { result: each, cpu } = await cpuPerUnit(
        servers.map((s) => s.pid!),
        () =>
          Promise.all(clients.map((c) => answer<{ latencies: number[]; sent: number }>(c, { run: rate / CLIENTS }))),
        (all) => all.reduce((sum, e) => sum + e.sent, 0),
      );
      cpuPerSignal.push(cpu);
      runs.push(each.flatMap((e) => e.latencies).sort((a, b) => a - b));
    }
    const placed = await placement();
    const pairs = ready.flatMap((r) => r.pairs);
    const across = pairs.filter(([a, b]) => placed.get(a) !== placed.get(b)).length;
    await Promise.all(clients.map((c) => answer(c, { close: true })));
    return {
      runs,
      across,
      pairs: pairs.length,
      connectSeconds,
      pairSeconds,
      rssPerSocket,
      rssPerSocketInCall,
      cpuPerSignal,
    };
  } finally {
    for (const c of clients) if (c.exitCode === null) c.kill('SIGKILL');
    await nginx.stop();
  }
}

/**
 * One built server process (`dist/server/main.cjs`) on the given PostgreSQL and Redis, trusting nginx on
 * loopback for the client's address; resolves once it accepts connections. The first one migrates.
 */
export async function startServerProcess(options: {
  databaseUrl: string;
  redisUrl: string;
  secret: string;
  env?: Record<string, string>;
}): Promise<{ child: ChildProcess; port: number; dataDir: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-cluster-'));
  const profiling = nodeArgs('CLUSTER_SERVER_NODE_ARGS');
  const child = spawn(process.execPath, [...profiling, CLI, `--port=${port}`, `--data-dir=${dataDir}`], {
    env: {
      ...withHugePages(process.env),
      CLINICDESK_DATABASE_URL: options.databaseUrl,
      CLINICDESK_REDIS_URL: options.redisUrl,
      CLINICDESK_SERVER_SECRET: options.secret,
      CLINICDESK_TRUST_PROXY: '127.0.0.1',
      CLINICDESK_LOG_LEVEL: 'warn',
      ...options.env,
    },
    // What a profiling option prints (`--trace-gc` writes to standard output) is shown.
    stdio: ['ignore', profiling.length > 0 ? 'inherit' : 'ignore', 'inherit'],
  });
  await waitFor(`server process on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error('a server process ended');
    return canConnect(port);
  });
  return { child, port, dataDir };
}

/** Each stopped and waited for (killed after 20 s, as the test services are). */
export const stopAll = (children: ChildProcess[]) => Promise.all(children.map((child) => stopChild(child)));

/**
 * A throw-away PostgreSQL and Redis for a benchmark of several server processes. `run` gets their addresses
 * and two lists to fill — the processes it starts and the folders it makes — which are stopped and removed
 * afterwards, with the services. Where PostgreSQL or Redis is not installed, it says why and runs nothing.
 */
export async function withClusterServices(
  run: (services: { pgUrl: string; redisUrl: string; servers: ChildProcess[]; dataDirs: string[] }) => Promise<void>,
): Promise<void> {
  const pg = await startPostgres();
  const redis = await startRedis();
  if (!('url' in pg) || !('url' in redis)) {
    console.log(`  skipped: ${'skipped' in pg ? pg.skipped : ''} ${'skipped' in redis ? redis.skipped : ''}`);
    if ('url' in pg) await pg.stop();
    if ('url' in redis) await redis.stop();
    return;
  }
  const servers: ChildProcess[] = [];
  const dataDirs: string[] = [];
  try {
    await run({ pgUrl: pg.url, redisUrl: redis.url, servers, dataDirs });
  } finally {
    await stopAll(servers);
    await pg.stop();
    await redis.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

export async function runClusterBench(
  n = Number(process.env.CLUSTER_SOCKETS ?? 20_000),
  rate = Number(process.env.CLUSTER_RATE ?? 4_000),
): Promise<void> {
  console.log(`\n# two server processes behind nginx (issue 17): ${n} sockets, ${n / 2} calls, ${rate} messages/s`);
  await withClusterServices(async ({ pgUrl, redisUrl, servers, dataDirs }) => {
    // The product: the built server, twice, on one PostgreSQL and one Redis (the first migrates).
    const secret = randomBytes(32).toString('hex');
    const ports: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const started = await startServerProcess({
        databaseUrl: pgUrl,
        redisUrl: redisUrl,
        secret,
      });
      servers.push(started.child);
      dataDirs.push(started.dataDir);
      ports.push(started.port);
    }
    const { openServerDb } = await import('../server/db/database');
    const seedDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-cluster-seed-'));
    dataDirs.push(seedDir);
    const database = await openServerDb({ dataDir: seedDir, databaseUrl: pgUrl });
    const peers = await seedPairs(database.db, n);
    // Which process holds each socket: a call whose two sockets are on different processes is relayed across.
    const placement = async () =>
      new Map(
        (await database.db.selectFrom('signal_sockets').select(['socket_id', 'process_id']).execute()).map((r) => [
          r.socket_id,
          r.process_id,
        ]),
      );
    const product = await measureBehindNginx('product', ports, peers, rate, servers, placement);
    await database.close();
    await stopAll(servers.splice(0));

    // The baseline: bare socket.io with the same adapter, two processes, the same nginx set-up.
    const barePorts: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const child = fork(fileURLToPath(import.meta.url), [], {
        env: {
          ...process.env,
          CLINICDESK_BENCH_ROLE: BARE_ROLE,
          CLINICDESK_REDIS_URL: redisUrl,
          CLINICDESK_PORT: String(port),
        },
        // Profiled as the product's servers are, for a comparison.
        execArgv: [...process.execArgv, ...nodeArgs('CLUSTER_SERVER_NODE_ARGS')],
      });
      servers.push(child);
      barePorts.push(port);
      await new Promise((resolve) => child.once('message', resolve));
    }
    const bare = await measureBehindNginx('bare', barePorts, peers, rate, servers);
    await stopAll(servers.splice(0));

    console.log(
      `  ${n} sockets connected through nginx in ${product.connectSeconds.toFixed(1)} s (bare: ${bare.connectSeconds.toFixed(1)} s); ` +
        `${n / 2} calls set up (invite, accept) in ${product.pairSeconds.toFixed(1)} s; ` +
        `server RSS per socket ${(product.rssPerSocket / 1024).toFixed(1)} KiB connected, ${(product.rssPerSocketInCall / 1024).toFixed(1)} KiB in a call ` +
        `(bare ${(bare.rssPerSocket / 1024).toFixed(1)} KiB); ` +
        `${product.across} of ${product.pairs} calls with their two sockets on different processes`,
    );
    const runs: PairedRun[] = product.runs.map((latencies, k) => ({ product: latencies, baseline: bare.runs[k]! }));
    reportAgainst(
      `relay across two processes behind nginx at ${rate}/s (target p99 < 20 ms)`,
      'bare socket.io, Redis streams adapter, two processes behind nginx',
      runs,
    );
    const cpu = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    console.log(
      `  server CPU per signal sent (both processes, µs): product ${cpu(product.cpuPerSignal)}; bare ${cpu(bare.cpuPerSignal)}`,
    );
    const received = product.runs.map((r) => r.length);
    console.log(
      `  received per run ${received.join(', ')} of ${rate * 10}; p50 ${percentile(product.runs[0]!, 50).toFixed(2)} ms in the first run; load average ${loadAverage()}`,
    );
  });
}

/** True in the forked client and bare-server processes: they serve and run no benchmark. */
export const isClusterBenchHelper =
  process.env.CLINICDESK_BENCH_ROLE === CLIENT_ROLE || process.env.CLINICDESK_BENCH_ROLE === BARE_ROLE;
if (process.env.CLINICDESK_BENCH_ROLE === CLIENT_ROLE) void client();
if (process.env.CLINICDESK_BENCH_ROLE === BARE_ROLE) void bareServer();
