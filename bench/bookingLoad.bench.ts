/**
 * Booking-heavy server load (issue 17): 200 simulated devices of 20 practices push their bookings at once
 * — each push five new appointments, as a front desk's outbox sends them — against a real server on
 * loopback, on the embedded SQLite and on PostgreSQL (Debian's package, a throw-away cluster), side by
 * side in the same run. Each device connects from its own loopback address (127.0.1.x), as devices do
 * from their own machines (the push route's limits are per address). Per push, the clock runs from
 * sending the request to receiving the answer, in this process; throughput is pushes and rows per second
 * over the whole run. The baseline in the same run is one bare HTTP round trip (`GET /api/health`). The
 * pushes run three times after the set-up; the median run is reported.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncRoutes, SYNC_SCHEMA_VERSION, type SyncChange } from '../protocol/sync';
import { buildServer } from '../server/app';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { seedSession } from '../test/harness/seedSession';
import { startPostgres } from '../test/harness/services';
import { eachRun, loadAverage, measure, medianRun, percentile, report, RUNS } from './stats';

const PRACTICES = 20;
const DEVICES_PER_PRACTICE = 10;
const PUSHES_PER_DEVICE = 25;
const ROWS_PER_PUSH = 5;

interface Device {
  token: string;
  id: string;
  agent: Agent;
  seq: number;
}

const post = (port: number, device: Device, body: unknown) =>
  new Promise<{ status: number; json: unknown }>((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: syncRoutes.push.path,
        agent: device.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          authorization: `Bearer ${device.token}`,
        },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });

/** Five new appointments of the device's practice, stamped now. */
function bookings(device: Device, practitioner: string): SyncChange[] {
  const now = Date.now();
  const s = `${now.toString(36).padStart(9, '0')}:00000:${device.id}`;
  return Array.from({ length: ROWS_PER_PUSH }, (_, i) => {
    const start = now + 86_400_000 + i * 1_800_000;
    const values: Record<string, string | number | null> = {
      patient_id: null,
      practitioner_id: practitioner,
      room_id: null,
      type_id: practitioner,
      tenant_id: practitioner,
      start_at: start,
      end_at: start + 1_800_000,
      status: 'booked',
      notes: 'Kontrolle',
      deleted: 0,
    };
    return {
      table: 'appointments' as const,
      id: randomUUID(),
      fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, s }])),
    };
  });
}

async function run(dialect: 'sqlite' | 'postgres', databaseUrl?: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `clinicdesk-bench-load-${dialect}-`));
  const config = loadConfig([`--data-dir=${dataDir}`, '--port=0', '--log-level=silent'], {}, '/nonexistent');
  const database = await openServerDb({ dataDir, databaseUrl });
  const server = await buildServer({ ...config, databaseUrl }, database, 'bench', {
    mailer: { send: async () => {}, close: () => {} },
    sms: { send: async () => {} },
    dispatch: false,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (server.app.server.address() as { port: number }).port;
  try {
    const devices: { device: Device; practitioner: string }[] = [];
    for (let p = 0; p < PRACTICES; p += 1) {
      const token = randomBytes(32).toString('base64url');
      await seedSession(database.db, token, `load${p}${randomBytes(3).toString('hex')}`);
      const practitioner = randomUUID();
      for (let d = 0; d < DEVICES_PER_PRACTICE; d += 1) {
        const n = devices.length + 1;
        const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.1.${n}` });
        devices.push({ device: { token, id: `load${p}d${d}`, agent, seq: 0 }, practitioner });
      }
    }
    const rtt = await measure(200, async () => {
      await new Promise<void>((resolve, reject) =>
        request({ host: '127.0.0.1', port, path: '/api/health', agent: devices[0]!.device.agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
          .on('error', reject)
          .end(),
      );
    });
    // One round: every device pushes its bookings at once. Three rounds after the set-up (issue 13); the
    // median round by p99 is reported, each round's figures beside it.
    const round = async () => {
      const latencies: number[] = [];
      let refused = 0;
      const started = performance.now();
      await Promise.all(
        devices.map(async ({ device, practitioner }) => {
          for (let i = 0; i < PUSHES_PER_DEVICE; i += 1) {
            const changes = bookings(device, practitioner);
            const body = {
              schema: SYNC_SCHEMA_VERSION,
              deviceId: device.id,
              deviceName: 'Empfang',
              fromSeq: device.seq + 1,
              toSeq: device.seq + changes.length,
              changes,
            };
            const t = performance.now();
            const answer = await post(port, device, body);
            latencies.push(performance.now() - t);
            const parsed = syncRoutes.push.answer.safeParse(answer.json);
            if (answer.status !== 200 || !parsed.success || parsed.data.acked !== body.toSeq) refused += 1;
            else device.seq = body.toSeq;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return { latencies, seconds, refused, p99: percentile(latencies, 99), load: loadAverage() };
    };
    const rounds = [];
    for (let r = 0; r < RUNS; r += 1) rounds.push(await round());
    const { latencies, seconds, refused, load } = medianRun(rounds, (r) => r.p99);
    const pushes = devices.length * PUSHES_PER_DEVICE;
    report(
      `  ${dialect}: push of ${ROWS_PER_PUSH} bookings, ${devices.length} devices at once (median run)`,
      latencies,
    );
    report(`  ${dialect}: baseline, one bare HTTP round trip`, rtt);
    console.log(
      `  ${dialect}: ${pushes} pushes in ${seconds.toFixed(1)} s: ${(pushes / seconds).toFixed(0)} pushes/s, ` +
        `${((pushes * ROWS_PER_PUSH) / seconds).toFixed(0)} rows/s; p99 ${percentile(latencies, 99).toFixed(1)} ms; ` +
        `refused ${rounds.reduce((n, r) => n + r.refused, 0)} (this run ${refused}); load average ${load}\n` +
        `  ${eachRun(rounds, (r) => `p99 ${r.p99.toFixed(1)} ms, ${(pushes / r.seconds).toFixed(0)} pushes/s`)}`,
    );
    for (const { device } of devices) device.agent.destroy();
    return { p99: percentile(latencies, 99), rate: pushes / seconds };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runBookingLoadBench(): Promise<void> {
  console.log(
    `\n# booking-heavy load (issue 17): ${PRACTICES * DEVICES_PER_PRACTICE} devices, ${PUSHES_PER_DEVICE} pushes of ${ROWS_PER_PUSH} each, one server process`,
  );
  const sqlite = await run('sqlite');
  const pg = await startPostgres();
  if (!('url' in pg)) {
    console.log(`  PostgreSQL skipped: ${pg.skipped}`);
    return;
  }
  try {
    const postgres = await run('postgres', pg.url);
    console.log(
      `  PostgreSQL / SQLite: p99 ${(postgres.p99 / sqlite.p99).toFixed(2)}×, throughput ${(postgres.rate / sqlite.rate).toFixed(2)}×`,
    );
  } finally {
    await pg.stop();
  }
}
