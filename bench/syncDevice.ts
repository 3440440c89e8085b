/**
 * The sync bench's new device (bench/sync.bench.ts forks it, bundled on its own): the app's path for a
 * first download — the core in its worker thread, the sync driver on the main thread, pages fetched as
 * bytes and parsed in the worker — against the server at CLINICDESK_BENCH_BASE; reports its figures to the
 * bench over IPC.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createApiClient, createApiRawClient } from '../protocol/client';
import { callRoutes } from '../protocol/calls';
import { SYNC_TABLES } from '../protocol/sync';
import { bearerSyncTransport } from '../src-main/core/sync/httpTransport';
import { SyncDriver, workerLocal } from '../src-main/core/sync/syncDriver';
import { startCoreWorker } from '../src-main/core/worker/workerCore';
import { projectRoot } from '../scripts/projectRoot';
import { meterTurns, startIdleMeter } from './idleMeter';

export interface Downloaded {
  rows: number;
  seconds: number;
  agendaSeconds: number | null;
  agendaRows: number;
  applying: number;
  cpuSeconds: number;
  peakRss: number;
  stallP99: number;
  stallMax: number;
  longestWork: number;
  /** Turns of the event loop with more than 16 ms of the thread's own work. */
  over16: number;
  /** The same two figures of an idle thread of the same process, measured the same way at the same time. */
  idleLongest: number;
  idleOver16: number;
  /** The main thread's garbage collections while downloading: major ones, and the longest pause of any. */
  majorGcs: number;
  longestGc: number;
  gcsOver16: number;
}

/** Downloads the practice from the server it is given and reports the figures. */
async function downloadAsDevice(base: string, token: string): Promise<void> {
  const deviceDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-sync-new-'));
  const worker = await startCoreWorker(
    join(projectRoot(), 'dist', 'main', 'coreWorker.cjs'),
    {
      dataDir: deviceDir,
      appVersion: 'bench',
      osLocales: ['de-DE'],
      defaultServerUrl: 'http://127.0.0.1:1',
      timeZone: 'Europe/Berlin',
    },
    { emit: () => {}, openExternal: () => {} },
  );
  const local = workerLocal((channel, input, transfer) => worker.call(channel, input, transfer));
  // The app has spoken to the server before its first download (signing in): the HTTP client's first
  // request loads and sets it up, which is no part of a download.
  await createApiClient({ baseUrl: () => base })(callRoutes.health, {});
  let applying = 0;
  let agendaSeconds: number | null = null;
  let agendaRows = 0;
  // The per-turn figure's baseline: an idle thread measured the same way at the same time (idleMeter.ts),
  // started before anything is measured (starting a thread is a few ms of this one's work).
  const idle = await startIdleMeter(2);
  const downloadStart = performance.now();
  const driver = new SyncDriver({
    local: {
      ...local,
      applyTakenPage: async () => {
        const t = performance.now();
        const applied = await local.applyTakenPage();
        applying += performance.now() - t;
        return applied;
      },
    },
    remote: bearerSyncTransport(
      createApiClient({ baseUrl: () => base }),
      () => token,
      createApiRawClient({ baseUrl: () => base }),
    ),
    signedIn: () => true,
    emit: (event, payload) => {
      const status = payload as { download?: { agendaReady: boolean; received: number } | null };
      if (event === 'sync.status' && agendaSeconds === null && status.download?.agendaReady) {
        agendaSeconds = (performance.now() - downloadStart) / 1000;
        agendaRows = status.download.received;
      }
    },
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // The event loop's delay counts also the time this thread waited for a core (three busy threads share
  // two here); the thread's own CPU time between two turns of a 2 ms timer is the work that held it.
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  const turns = meterTurns(2);
  // The main thread's own collections (the worker's are its own): each pause holds the thread.
  let majorGcs = 0;
  let longestGc = 0;
  let gcsOver16 = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs += 1;
      longestGc = Math.max(longestGc, entry.duration);
      if (entry.duration > 16) gcsOver16 += 1;
    }
  });
  const cpuBefore = process.cpuUsage();
  stalls.enable();
  gcs.observe({ entryTypes: ['gc'] });
  await driver.kick();
  gcs.disconnect();
  stalls.disable();
  const { longest: longestWork, over16 } = turns.stop();
  const idleTurns = await idle.stop();
  const seconds = (performance.now() - downloadStart) / 1000;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  const status = driver.status();
  if (status.state !== 'synced') throw new Error(`the download ended ${status.state}: ${status.error}`);
  await worker.close();
  const copy = new Database(join(deviceDir, 'clinicdesk.sqlite'), { readonly: true });
  const rows = SYNC_TABLES.reduce(
    (n, table) => n + (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    0,
  );
  copy.close();
  rmSync(deviceDir, { recursive: true, force: true });
  const downloaded: Downloaded = {
    rows,
    seconds,
    agendaSeconds,
    agendaRows,
    applying: applying / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRss,
    stallP99: stalls.percentile(99) / 1e6,
    stallMax: stalls.max / 1e6,
    longestWork,
    over16,
    idleLongest: idleTurns.longest,
    idleOver16: idleTurns.over16,
    majorGcs,
    longestGc,
    gcsOver16,
  };
  process.send!(downloaded, () => process.exit(0));
}

if (process.env.CLINICDESK_BENCH_BASE && process.send)
  void downloadAsDevice(process.env.CLINICDESK_BENCH_BASE, process.env.CLINICDESK_BENCH_TOKEN!);
