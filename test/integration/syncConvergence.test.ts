/**
 * Seeded random sync (fast-check, 200 runs): three devices of one practice make random inserts, edits and
 * deletes of patients while going offline and online at random, and the server restarts at random points
 * (its database closed and opened again). At the end every device and the server hold the state that
 * applying every change in the order it was made gives (the later-stamp rule, whatever order the changes
 * arrived in), and no device has anything left to send. The real desktop cores, the real sync engine and
 * the real server-side sync service on a real SQLite file; only HTTP is left out (the route layer is tested
 * elsewhere).
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FieldMap } from '../../protocol/sync';
import type { Profile } from '../../server/accounts/accountService';
import { openServerDb, type ServerDb } from '../../server/db/database';
import { SyncService } from '../../server/sync/syncService';
import { createCore, type Core } from '../../src-main/core/core';
import { SyncEngine } from '../../src-main/core/sync/syncEngine';

const PROFILE = { id: 'acct-1', organisationId: null } as unknown as Profile;

type Op =
  | { kind: 'insert'; device: number; first: string }
  | { kind: 'edit'; device: number; pick: number; field: 'first_name' | 'notes'; value: string }
  | { kind: 'delete'; device: number; pick: number }
  | { kind: 'toggle'; device: number }
  | { kind: 'sync'; device: number }
  | { kind: 'restart' };

const name = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'b', 'ä', 'ø', 'Z', ' ') });
const device = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), device, first: name }),
  fc.record({
    kind: fc.constant('edit' as const),
    device,
    pick: fc.nat(),
    field: fc.constantFrom('first_name' as const, 'notes' as const),
    value: name,
  }),
  fc.record({ kind: fc.constant('delete' as const), device, pick: fc.nat() }),
  fc.record({ kind: fc.constant('toggle' as const), device }),
  fc.record({ kind: fc.constant('sync' as const), device }),
  fc.record({ kind: fc.constant('restart' as const) }),
);

async function run(ops: Op[]): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'clinicdesk-converge-'));
  const clock = { now: Date.UTC(2026, 5, 1, 9) };
  let server: ServerDb = await openServerDb({ dataDir: join(root, 'server') });
  let service = new SyncService(server.db, () => clock.now);
  const cores: Core[] = [];
  const engines: SyncEngine[] = [];
  const online = [true, true, true];
  try {
    for (let i = 0; i < 3; i += 1) {
      const core = createCore({
        dataDir: join(root, `device${i}`),
        appVersion: 'test',
        osLocales: ['de-DE'],
        defaultServerUrl: 'http://127.0.0.1:4780',
        openExternal: () => {},
        emit: () => {},
        timeZone: 'Europe/Berlin',
        now: () => clock.now,
      });
      cores.push(core);
      engines.push(
        new SyncEngine(
          core.db,
          core.repository.clock,
          { id: core.repository.clock.node, name: `d${i}` },
          {
            // The service is looked up at each call: after a restart, the new one answers.
            push: (batch) => service.push(PROFILE, batch),
            pull: (after, limit, device) => service.pull(PROFILE, after, limit, device),
            snapshot: (position, limit, device) => service.snapshot(PROFILE, { ...position, limit }, device),
          },
        ),
      );
    }
    await engines[0]!.push();
    await engines[1]!.adoptAccountPractice();
    await engines[2]!.adoptAccountPractice();

    // The reference: every change applied in the order it was made. Each step moves the shared clock on by a
    // second, so the order of the steps is the order of the stamps, and the later-stamp rule must end in
    // exactly this state, whatever order the changes reached the server in.
    const truth = new Map<string, { first_name: string; notes: string; deleted: number }>();
    const patients = (core: Core) =>
      core.db.prepare('SELECT id FROM patients WHERE deleted = 0 ORDER BY id').all() as { id: string }[];
    for (const step of ops) {
      clock.now += 1_000;
      if (step.kind === 'restart') {
        await server.close();
        server = await openServerDb({ dataDir: join(root, 'server') });
        service = new SyncService(server.db, () => clock.now);
        continue;
      }
      const core = cores[step.device]!;
      const repo = core.repository;
      if (step.kind === 'toggle') online[step.device] = !online[step.device];
      else if (step.kind === 'sync') {
        if (online[step.device]) await engines[step.device]!.sync();
      } else if (step.kind === 'insert') {
        const id = repo.transaction(() =>
          repo.insert('patients', {
            first_name: step.first,
            last_name: 'Test',
            language: 'de',
            channel: 'none',
            opt_out_sms: 0,
            opt_out_email: 0,
            notes: '',
          }),
        );
        truth.set(id, { first_name: step.first, notes: '', deleted: 0 });
      } else {
        const list = patients(core);
        if (list.length === 0) continue;
        const id = list[step.pick % list.length]!.id;
        if (step.kind === 'edit') {
          repo.transaction(() => repo.update('patients', id, { [step.field]: step.value }));
          truth.get(id)![step.field] = step.value;
        } else {
          repo.transaction(() => repo.remove('patients', id));
          truth.get(id)!.deleted = 1;
        }
      }
    }

    // Everyone back online: two rounds bring every device to the server's state.
    for (let round = 0; round < 2; round += 1) for (const engine of engines) await engine.sync();

    const snapshot = (core: Core) =>
      JSON.stringify(core.db.prepare('SELECT id, first_name, notes, deleted FROM patients ORDER BY id').all());
    const serverRows = (
      await server.db
        .selectFrom('sync_rows')
        .select(['row_id', 'fields'])
        .where('table_name', '=', 'patients')
        .orderBy('row_id')
        .execute()
    ).map((r) => {
      const f = JSON.parse(r.fields) as FieldMap;
      return { id: r.row_id, first_name: f.first_name!.v, notes: f.notes!.v, deleted: f.deleted?.v ?? 0 };
    });
    const expected = JSON.stringify(
      [...truth.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, row]) => ({ id, ...row })),
    );
    for (const core of cores) expect(snapshot(core)).toBe(expected);
    expect(JSON.stringify(serverRows)).toBe(expected);
    for (const engine of engines) expect(engine.pending()).toBe(0);
  } finally {
    for (const core of cores) core.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

describe('sync converges', () => {
  it('three devices, random edits, offline spells and server restarts: identical data everywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), (ops) => run(ops)),
      { numRuns: 200, seed: 20261130 },
    );
  }, 600_000);
});
