/**
 * Kill -9 of a workstation in the middle of a push (issue 16): a real process with its core on its SQLite
 * file pushes its outbox; it is killed with SIGKILL after the server took a batch and before the device
 * wrote the acknowledgement. Started again on the same folder, it pushes on: every change reaches the
 * server exactly once (the repeated batch changes nothing), and the device's outbox ends empty.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSession } from '../harness/seedSession';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { ROOT } from '../harness/testBridge';

const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-devicecrash-'));
const script = join(ROOT, '.cache', 'test', 'pushingDevice.mjs');
const token = randomBytes(32).toString('base64url');
let server: ServerFixture;

beforeAll(async () => {
  await build({
    entryPoints: [join(ROOT, 'test', 'harness', 'fixtures', 'pushingDevice.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  server = await startServerFixture({ realClock: true });
  await seedSession(server.db, token, 'killed.desk');
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the device; resolves with its output once `until` appears (or it exits). */
function device(mode: 'seed' | 'resume', until: RegExp) {
  const child = spawn(process.execPath, [script, dataDir, server.base, token, mode, '600'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const seen = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (until.test(out)) resolve(out);
    });
    void exited.then((code) => (until.test(out) ? resolve(out) : reject(new Error(`device exited ${code}: ${err}`))));
  });
  return { child, seen, exited };
}

describe('kill -9 of a workstation during a push', () => {
  it('pushes on after a restart: every change once on the server, the outbox empty', async () => {
    const first = device('seed', /held/);
    await first.seen;
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed, not ended
    const stored = async () =>
      (await server.db.selectFrom('sync_rows').select(['table_name', 'row_id', 'seq']).execute()).filter(
        (r) => r.table_name === 'patients',
      );
    // The server had three batches of 100 when the device died (the practice's set-up first, then
    // patients); the device never recorded the third one's acknowledgement.
    const before = (await stored()).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(600);

    const second = device('resume', /done \d+/);
    expect(await second.seen).toMatch(/done 0/);
    expect(await second.exited).toBe(0);
    const patients = await stored();
    expect(patients).toHaveLength(600);
    expect(new Set(patients.map((r) => r.row_id)).size).toBe(600);
    const all = await server.db.selectFrom('sync_rows').select('seq').execute();
    expect(new Set(all.map((r) => r.seq)).size).toBe(all.length);
  });
});
