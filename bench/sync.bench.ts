/**
 * Sync (issue 16), over loopback against a real server on its embedded SQLite in its own process (as on a
 * provider's machine), with real desktop cores:
 * - a change on one device showing on another (push, the server's socket notice, pull, applied to
 *   SQLite), p95 target < 1 s; baseline in the same run: one HTTP round trip to the server;
 * - push throughput into the server's SQLite (target ≥ 10,000 rows/s); baseline: the same rows written
 *   straight into the server's table, without HTTP, validation or merge;
 * - a new device's first download of a practice of 100,000 patients and 1,000,000 appointments (target
 *   ≤ 60 s, ≥ 18,000 rows/s) on the app's own path — the sync driver on the main thread, the core in its
 *   worker thread — with the peak RSS of both sides and the longest stall of the main thread's event loop
 *   while the download applies (target: none over 16 ms).
 */
import { bearerSyncTransport } from '../src-main/core/sync/httpTransport';
import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect } from 'socket.io-client';
import { createApiClient } from '../protocol/client';
import { callRoutes } from '../protocol/calls';
import { buildServer } from '../server/app';
import { NO_CONTACT } from '../test/harness/patientInput';
import { seedSession } from '../test/harness/seedSession';
import { loadConfig } from '../server/config';
import { openServerDb, SERVER_DB_FILE } from '../server/db/database';
import { createCore, type Core } from '../src-main/core/core';
import { newId } from '../src-main/core/sync/repository';
import { startingDownload, SyncEngine, type SyncTransport } from '../src-main/core/sync/syncEngine';
import { SNAPSHOT_PAGE } from '../src-main/core/sync/syncDriver';
import { PACKED_ANSWER_TYPE } from '../protocol/route';
import { SYNC_SCHEMA_VERSION, syncRoutes } from '../protocol/sync';
import type { Downloaded } from './syncDevice';
import { bundleTs } from '../scripts/bundleTs.mjs';
import { projectRoot } from '../scripts/projectRoot';
import { eachRun, loadAverage, measure, medianRun, percentile, report, RUNS } from './stats';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 100_000);
const APPOINTMENTS = Number(process.env.BENCH_APPOINTMENTS ?? 1_000_000);

/** A patient without contact data (the rows sync carries, nothing more). */
const addPatient = (c: Core, firstName: string, lastName: string) =>
  c.patients.create({ firstName, lastName, ...NO_CONTACT });

function core(): Core {
  return createCore({
    dataDir: mkdtempSync(join(tmpdir(), 'clinicdesk-bench-sync-device-')),
    appVersion: 'bench',
    osLocales: ['de-DE'],
    defaultServerUrl: 'http://127.0.0.1:1',
    openExternal: () => {},
    emit: () => {},
    timeZone: 'Europe/Berlin',
  });
}

const SERVER_ROLE = 'sync-bench-server';

/** The forked server: serves the data folder it is given, reports its own peak memory and CPU time. */
async function serveSync(dataDir: string): Promise<void> {
  const config = loadConfig([`--data-dir=${dataDir}`, '--port=0', '--log-level=silent'], {}, '/nonexistent');
  const database = await openServerDb(dataDir);
  const server = await buildServer(config, database, 'bench', {
    mailer: { send: async () => {}, close: () => {} },
    sms: { send: async () => {} },
    dispatch: false,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  process.on('message', (message: string) => {
    if (message === 'usage') {
      const usage = process.resourceUsage();
      process.send!({ maxRss: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 });
    }
    if (message === 'close') void server.close().then(() => process.send!({ closed: true }, () => process.exit(0)));
  });
  process.send!({ port: (server.app.server.address() as { port: number }).port });
}

/** True in the forked server process: it serves and runs no benchmark. */
export const isSyncBenchServer = process.env.CLINICDESK_BENCH_ROLE === SERVER_ROLE;
if (process.env.CLINICDESK_BENCH_ROLE === SERVER_ROLE) void serveSync(process.env.CLINICDESK_BENCH_DATA_DIR!);

export async function runSyncBench(): Promise<void> {
  console.log('\n# sync (issue 16): loopback, server on SQLite in its own process');
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-sync-'));
  // The database made and an account with a session seeded (as the signalling bench does: no argon2 in
  // the figures) before the server starts on it.
  const database = await openServerDb(dataDir);
  const token = randomBytes(32).toString('base64url');
  const accountId = await seedSession(database.db, token, 'syncbench');
  const warmToken = randomBytes(32).toString('base64url');
  await seedSession(database.db, warmToken, 'syncwarm');
  await database.close();
  const server = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, CLINICDESK_BENCH_ROLE: SERVER_ROLE, CLINICDESK_BENCH_DATA_DIR: dataDir },
    // As deployed (deploy/systemd): without source-mapped stack traces, which cost a push some 15 %.
    execArgv: [],
  });
  process.once('exit', () => server.kill());
  const ask = <T>(message: string) =>
    new Promise<T>((resolve) => {
      server.once('message', (answer) => resolve(answer as T));
      server.send(message);
    });
  const { port } = await new Promise<{ port: number }>((resolve) =>
    server.once('message', (m) => resolve(m as { port: number })),
  );
  const base = `http://127.0.0.1:${port}`;
  const call = createApiClient({ baseUrl: () => base });
  const transport: SyncTransport = bearerSyncTransport(call, () => token);
  const device = (c: Core) =>
    new SyncEngine(c.db, c.repository.clock, { id: c.repository.clock.node, name: 'bench' }, transport, 1000);

  // The server process is new: its first requests run before the JIT has compiled their path. A device of
  // another practice pushes 5,000 patients first, as a running server has served others before.
  const warm = core();
  warm.repository.transaction(() => {
    for (let i = 0; i < 5_000; i += 1) addPatient(warm, 'Warm', `Up${i}`);
  });
  await new SyncEngine(
    warm.db,
    warm.repository.clock,
    { id: warm.repository.clock.node, name: 'warm' },
    bearerSyncTransport(call, () => warmToken),
    1000,
  ).push();
  warm.close();

  // Push throughput: 20,000 new patients from a device, in three rounds (a new device each, the later ones
  // joining the practice first), the median round reported; the baseline writes as many rows straight
  // into the server's table after each round.
  const raw = new Database(join(dataDir, SERVER_DB_FILE));
  raw.pragma('busy_timeout = 10000');
  const rounds: { rows: number; push: number; bare: number }[] = [];
  const a = core();
  const engineA = device(a);
  for (let round = 0; round < 3; round += 1) {
    const d = round === 0 ? a : core();
    const engine = round === 0 ? engineA : device(d);
    if (round > 0) await engine.adoptAccountPractice();
    d.repository.transaction(() => {
      for (let i = 0; i < 20_000; i += 1) addPatient(d, 'Anna', `Berg${round}-${i}`);
    });
    const rows = engine.pending();
    const pushStart = performance.now();
    await engine.push();
    const push = (performance.now() - pushStart) / 1000;
    const bareStart = performance.now();
    raw
      .transaction(() => {
        const insert = raw.prepare(
          'INSERT INTO sync_rows (practice_id, table_name, row_id, fields, seq) VALUES (?, ?, ?, ?, ?)',
        );
        const fields = JSON.stringify({ first_name: { v: 'Anna', s: '0mpux4ow0:00000:bench' } });
        for (let i = 0; i < rows; i += 1)
          insert.run('baseline', 'patients', randomUUID(), fields, round * 1_000_000 + i + 1);
      })
      .immediate();
    rounds.push({ rows, push, bare: (performance.now() - bareStart) / 1000 });
    if (d !== a) d.close();
  }
  const median = [...rounds].sort((x, y) => x.push - y.push)[1]!;
  const rate = (r: { rows: number; push: number }) => (r.rows / r.push).toFixed(0);
  console.log(
    `push of ${median.rows} changed rows (median of 3 rounds: ${rounds.map(rate).join(', ')} rows/s): ` +
      `${median.push.toFixed(2)} s, ${rate(median)} rows/s; baseline (the rows written straight into the table) ` +
      `${(median.rows / median.bare).toFixed(0)} rows/s, ratio ${(median.push / median.bare).toFixed(1)}×`,
  );

  // Change → other device: B pulls on the server's notice.
  const b = core();
  const engineB = device(b);
  await engineB.adoptAccountPractice();
  const { ticket } = await call(callRoutes.ticket, { auth: { bearer: token } });
  const socket = connect(base, { transports: ['websocket'], auth: { ticket } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  let notified: (() => void) | null = null;
  socket.on('sync:changed', () => notified?.());
  const latencies = await measure(100, async (i) => {
    const patient = addPatient(a, 'Latenz', `Test${i}`);
    const arrived = new Promise<void>((resolve) => (notified = resolve));
    await engineA.push();
    await arrived;
    await engineB.pull();
    if (!b.db.prepare('SELECT 1 FROM patients WHERE id = ?').get(patient.id)) throw new Error('not applied');
  });
  report('change on A shown on B (push, notice, pull, apply)', latencies);
  const rtt = await measure(100, () => call(callRoutes.health, {}));
  report('  baseline: one HTTP round trip', rtt);
  console.log(
    `  p95: change ${percentile(latencies, 95).toFixed(1)} ms, round trip ${percentile(rtt, 95).toFixed(2)} ms`,
  );
  socket.close();

  // A new device's first download of a large practice (seeded straight into the server's rows). The rows
  // are numbered as a practice's change log numbers them: ids are UUIDv7 as the app makes them, and the
  // appointments of ten years come in the order they were booked and done (each day's after the day
  // before), not cycling through the ten years one day per row.
  const practiceId = `acct:${accountId}`;
  const stamp = `${Date.now().toString(36).padStart(9, '0')}:00000:seed`;
  const f = (values: Record<string, string | number | null>) =>
    JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, s: stamp }])));
  const seedStart = performance.now();
  const practitioner = a.practice.practitioners()[0]?.id ?? newId();
  const type = a.practice.types()[0]!.id;
  const tenant = a.practice.tenants()[0]!.id;
  const perDay = Math.max(1, Math.ceil(APPOINTMENTS / 3650));
  raw
    .transaction(() => {
      let seq = (raw.prepare('SELECT seq FROM sync_counters WHERE practice_id = ?').get(practiceId) as { seq: number })
        .seq;
      // As the server writes them: an appointment's start and patient in their own columns (migration 016).
      const insert = raw.prepare(
        'INSERT INTO sync_rows (practice_id, table_name, row_id, fields, seq, start_at, ref_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const patientIds: string[] = [];
      for (let i = 0; i < PATIENTS; i += 1) {
        const id = newId();
        patientIds.push(id);
        insert.run(
          practiceId,
          'patients',
          id,
          f({
            first_name: 'Jonas',
            last_name: `Ek${i}`,
            birth_date: null,
            mobile: null,
            email: null,
            language: 'sv',
            channel: 'none',
            opt_out_sms: 0,
            opt_out_email: 0,
            notes: '',
            deleted: 0,
          }),
          ++seq,
          null,
          null,
        );
      }
      for (let i = 0; i < APPOINTMENTS; i += 1) {
        const start = Date.UTC(2017, 0, 1) + Math.floor(i / perDay) * 86_400_000 + (i % 20) * 1_800_000;
        // Patients come back at random (a patient's appointments are spread over the years).
        const patient = patientIds[(i * 7_919) % PATIENTS]!;
        insert.run(
          practiceId,
          'appointments',
          newId(),
          f({
            patient_id: patient,
            practitioner_id: practitioner,
            room_id: null,
            type_id: type,
            tenant_id: tenant,
            start_at: start,
            end_at: start + 1_800_000,
            status: 'done',
            notes: '',
            deleted: 0,
          }),
          ++seq,
          start,
          patient,
        );
      }
      raw.prepare('UPDATE sync_counters SET seq = ? WHERE practice_id = ?').run(seq, practiceId);
      // Immediate: the server process writes too (a device's last sync); a deferred transaction that read
      // first could not write after it.
    })
    .immediate();
  // Part of the set-up, not of the figure: the seeding's WAL written back and emptied, and one round trip
  // to the server (the seeding held this process for a minute, past both sides' keep-alive timers).
  raw.pragma('wal_checkpoint(TRUNCATE)');
  await call(callRoutes.health, {});
  console.log(
    `seeded ${PATIENTS} patients and ${APPOINTMENTS} appointments on the server in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );

  // The new device as the app runs it, in a process of its own (as the app's main process, with nothing
  // else in its heap): the core in a worker thread, the sync driver on the main thread.
  // Its bundle is its own (bench/syncDevice.ts): this one holds every benchmark with its libraries (a
  // browser driver, the server), whose 70 MB of live heap the device's main thread would otherwise mark at
  // each collection; the app's main process holds none of them.
  // Three new devices in turn (issue 13), each in a fresh process and directory; the median by time is reported.
  const deviceBundle = await bundleTs('bench/syncDevice.ts', `${projectRoot()}/`);
  const downloads: (Downloaded & { serverCpu: number })[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const serverBefore = await ask<{ cpuSeconds: number }>('usage');
    const child = fork(deviceBundle, [], {
      env: { ...process.env, CLINICDESK_BENCH_BASE: base, CLINICDESK_BENCH_TOKEN: token },
      execArgv: [],
    });
    const downloaded = await new Promise<Downloaded>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Downloaded));
      child.once('exit', (code) => reject(new Error(`the device process ended (${code}) before reporting`)));
    });
    const serverCpu = (await ask<{ cpuSeconds: number }>('usage')).cpuSeconds - serverBefore.cpuSeconds;
    downloads.push({ ...downloaded, serverCpu });
  }
  const result = medianRun(downloads, (d) => d.seconds);
  const serverAfter = await ask<{ maxRss: number; cpuSeconds: number }>('usage');
  // What packing saves the window's thread: one page of the history asked for both ways (not timed).
  const pageBytes = async (accept: string) => {
    const url = new URL(syncRoutes.snapshot.path, base);
    const query = { ...startingDownload(Date.now()).position, phase: 'history', limit: SNAPSHOT_PAGE };
    for (const [key, value] of Object.entries({ ...query, schema: SYNC_SCHEMA_VERSION }))
      url.searchParams.set(key, String(value));
    const answer = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept } });
    return (await answer.arrayBuffer()).byteLength;
  };
  const [plainBytes, packedBytes] = [await pageBytes('application/json'), await pageBytes(PACKED_ANSWER_TYPE)];
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `first download of ${result.rows} rows (median run): ${result.seconds.toFixed(1)} s, ${(result.rows / result.seconds).toFixed(0)} rows/s; ` +
      `peak RSS: device ${mib(result.peakRss)} MiB (main and core worker), server ${mib(serverAfter.maxRss)} MiB`,
  );
  console.log(
    `  a page of ${SNAPSHOT_PAGE} history rows: ${(plainBytes / 1024 / 1024).toFixed(2)} MiB as JSON, ` +
      `${(packedBytes / 1024 / 1024).toFixed(2)} MiB packed (${(plainBytes / packedBytes).toFixed(1)}× smaller), what the main thread carries`,
  );
  console.log(
    `  the agenda usable (set-up, the current weeks, their patients: ${result.agendaRows} rows) after ${result.agendaSeconds === null ? '–' : result.agendaSeconds.toFixed(1)} s (target ≤ 5 s)`,
  );
  console.log(
    `  the core worker applying pages ${result.applying.toFixed(1)} s of it (the next page is fetched meanwhile); ` +
      `CPU: device ${result.cpuSeconds.toFixed(1)} s, server ${result.serverCpu.toFixed(1)} s`,
  );
  console.log(
    `  the device's main thread while downloading: longest work between two turns of its event loop ` +
      `${result.longestWork.toFixed(1)} ms (its own CPU time; target: no stall over 16 ms; ${result.over16} over 16 ms); event-loop delay ` +
      `p99 ${result.stallP99.toFixed(1)} ms, longest ${result.stallMax.toFixed(1)} ms (with the waits for a core)`,
  );
  console.log(
    `  baseline: an idle thread of the same process, measured the same way at the same time: longest ` +
      `${result.idleLongest.toFixed(1)} ms, ${result.idleOver16} over 16 ms (what this machine charges a thread that does nothing)`,
  );
  console.log(
    `  of it the main thread's garbage collection (the page's bytes pass through it): ${result.majorGcs} major collections, ` +
      `longest pause ${result.longestGc.toFixed(1)} ms, ${result.gcsOver16} pauses over 16 ms`,
  );
  console.log(
    `  ${eachRun(downloads, (d) => `${d.seconds.toFixed(1)} s, agenda ${d.agendaSeconds?.toFixed(1) ?? '–'} s, main thread ${d.longestWork.toFixed(1)} ms (idle ${d.idleLongest.toFixed(1)} ms)`)}; load average ${loadAverage()}`,
  );

  for (const x of [a, b]) x.close();
  raw.close();
  await ask('close');
  rmSync(dataDir, { recursive: true, force: true });
}
