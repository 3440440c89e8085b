/**
 * Sync between two workstations of one practice through the real server (SQLite and PostgreSQL): two real
 * desktop cores on their own data folders, their sync engines talking to the server over loopback with the
 * shared protocol client. Shown: a new device takes over the account's practice; changes travel both ways;
 * a patient edited on both merges field by field; delete versus edit follows the stamps; a batch sent twice
 * changes nothing; a bad row or a stamp from the future refuses the whole batch; another account sees and
 * changes nothing of the practice.
 */
import { execFileSync } from 'node:child_process';
import { bearerSyncTransport } from '../../../src-main/core/sync/httpTransport';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, ProtocolError } from '../../../protocol/client';
import { PACKED_ANSWER_TYPE } from '../../../protocol/route';
import { SYNC_SCHEMA_VERSION, SYNC_TABLES, syncRoutes, type SyncChange } from '../../../protocol/sync';
import { startingDownload, SyncEngine, type SyncTransport } from '../../../src-main/core/sync/syncEngine';
import { berlin, practiceFixture, type Fixture } from '../../harness/practiceFixture';
import { NO_CONTACT } from '../../harness/patientInput';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

const PASSWORD = 'Correct-Horse-7-Battery';
let f: ServerFixture;

beforeAll(async () => {
  f = await startServerFixture({ now: Date.UTC(2026, 5, 1, 9) });
});
afterAll(() => f?.close());

/** A registered individual account's access token. */
const account = async (username: string): Promise<string> => (await f.registered(username, PASSWORD)).accessToken;

const call = () => createApiClient({ baseUrl: () => f.base });
const transport = (token: string): SyncTransport =>
  bearerSyncTransport(
    (route, input) => call()(route, input),
    () => token,
  );

function device(token: string, name: string): { fx: Fixture; engine: SyncEngine } {
  const fx = practiceFixture(berlin('2026-06-01', 10));
  const node = fx.core.repository.clock.node;
  return { fx, engine: new SyncEngine(fx.core.db, fx.core.repository.clock, { id: node, name }, transport(token)) };
}

/** The device's next batch as its engine would send it (read through a recording transport, not sent). */
async function pendingBatch(d: { fx: Fixture }) {
  let captured: Omit<Parameters<SyncTransport['push']>[0], 'deviceId' | 'deviceName'> | null = null;
  const probe = new SyncEngine(
    d.fx.core.db,
    d.fx.core.repository.clock,
    { id: 'probe', name: '' },
    {
      push: async (batch) => {
        captured = { fromSeq: batch.fromSeq, toSeq: batch.toSeq, changes: batch.changes };
        throw new Error('captured');
      },
      pull: async () => ({ changes: [], next: 0, more: false }),
      snapshot: async () => ({ rows: [], next: null, upTo: 0, total: 0 }),
    },
  );
  await probe.push().catch(() => undefined);
  return captured!;
}

const rowsOf = (fx: Pick<Fixture, 'core'>, table: string) =>
  fx.core.db.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Record<string, unknown>[];
/** The synced content of a table, without the stamps (which each side keeps in its own shape). */
const content = (fx: Pick<Fixture, 'core'>, table: string) =>
  rowsOf(fx, table).map(({ hlc: _h, field_hlc: _f, ...rest }) => rest);

describe('a new device’s first download', () => {
  it('comes in the order staff need it, resumes after an interruption, and what changed meanwhile follows', async () => {
    const token = await account('snapshot');
    const a = device(token, 'Reception');
    // The history: a patient seen last year; a recall; and the current weeks: a patient booked next week.
    const past = a.fx.patient({ firstName: 'Olle', lastName: 'Gammal' });
    const now = a.fx.clock.now;
    a.fx.clock.now = berlin('2025-01-02', 9);
    a.fx.book({ patientId: past.id, startAt: berlin('2025-01-10', 9) });
    a.fx.clock.now = now;
    const current = a.fx.patient({ firstName: 'Nina', lastName: 'Nu' });
    a.fx.book({ patientId: current.id, startAt: berlin('2026-06-05', 9) });
    const other = a.fx.patient({ firstName: 'Ingen', lastName: 'Tid' });
    a.fx.core.recalls.create({ patientId: past.id, dueDate: '2027-01-10', reason: 'Kontrolle' });
    await a.engine.push();

    // B downloads in pages of three; the connection fails on the third page.
    const b = practiceFixture(berlin('2026-06-01', 10));
    const received: { table: string; id: string }[] = [];
    const positions: unknown[] = [];
    let pages = 0;
    const recording = (failOnPage: number | null): SyncTransport => {
      const real = transport(token);
      return {
        ...real,
        snapshot: async (position, limit, id) => {
          positions.push(position);
          if ((pages += 1) === failOnPage) throw new Error('network gone');
          const page = await real.snapshot(position, limit, id);
          received.push(...page.rows.map((r) => ({ table: r.table, id: r.id })));
          return page;
        },
      };
    };
    const node = b.core.repository.clock.node;
    const interrupted = new SyncEngine(
      b.core.db,
      b.core.repository.clock,
      { id: node, name: 'Room 3' },
      recording(3),
      3,
    );
    b.core.sync.resetForAccount();
    await expect(interrupted.pull()).rejects.toThrow('network gone');
    const kept = b.core.sync.download(b.clock.now)!;
    const serverRows = await f.db
      .selectFrom('sync_rows')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('practice_id', 'like', 'acct:%')
      .where('row_id', 'in', [past.id, current.id, other.id])
      .executeTakeFirst();
    expect(Number(serverRows?.n)).toBe(3);
    expect(kept.received).toBeGreaterThan(0);
    expect(kept.total).toBeGreaterThan(6);
    expect(kept.position.upTo).toBeGreaterThan(0);

    // Meanwhile A changes last year's patient: after the download's rows, so it comes with the pull after it.
    a.fx.core.patients.update({ id: past.id, notes: 'Neue Adresse' });
    await a.engine.push();

    // Resumed where it stood (the same position, not from the start), and complete.
    const resumed = new SyncEngine(
      b.core.db,
      b.core.repository.clock,
      { id: node, name: 'Room 3' },
      recording(null),
      3,
    );
    await resumed.pull();
    expect(positions[3]).toEqual(kept.position);
    // The download brought each row numbered up to its start that has not changed since, once; the rows
    // that changed meanwhile (last year's patient, a message the server queued) came with the pull after it.
    const { practice_id: practiceId } = await f.db
      .selectFrom('sync_rows')
      .select('practice_id')
      .where('row_id', '=', current.id)
      .executeTakeFirstOrThrow();
    const unchanged = await f.db
      .selectFrom('sync_rows')
      .select(['table_name', 'row_id'])
      .where('practice_id', '=', practiceId)
      .where('seq', '<=', kept.position.upTo)
      .execute();
    expect(received.map((r) => `${r.table} ${r.id}`).sort()).toEqual(
      unchanged.map((r) => `${r.table_name} ${r.row_id}`).sort(),
    );
    expect(received.some((r) => r.id === past.id)).toBe(false);
    expect(received.length).toBeLessThanOrEqual(kept.total!);
    expect(b.core.sync.download(b.clock.now)).toBeNull();
    await a.engine.pull(); // the server's own changes (the messages it queued) reach A too
    for (const table of SYNC_TABLES) expect(content(b, table), table).toEqual(content(a.fx, table));
    expect(b.core.patients.get(past.id)).toMatchObject({ notes: 'Neue Adresse' });

    // The order: the whole set-up, then the current weeks' appointment, its patient, the other patients,
    // then the history (last year's appointment, the recall, the messages).
    const at = (table: string, id?: string) => received.findIndex((r) => r.table === table && (!id || r.id === id));
    const lastOf = (tables: string[]) => Math.max(...received.flatMap((r, i) => (tables.includes(r.table) ? [i] : [])));
    const appointmentOf = (patientId: string) =>
      String(a.fx.core.db.prepare('SELECT id FROM appointments WHERE patient_id = ?').pluck().get(patientId));
    const setupEnd = lastOf(['practice', 'tenants', 'practitioners', 'rooms', 'appointment_types', 'templates']);
    expect(setupEnd).toBeLessThan(at('appointments', appointmentOf(current.id)));
    expect(at('appointments', appointmentOf(current.id))).toBeLessThan(at('patients', current.id));
    expect(at('patients', current.id)).toBeLessThan(at('patients', other.id));
    expect(lastOf(['patients'])).toBeLessThan(
      Math.min(at('appointments', appointmentOf(past.id)), at('recalls'), at('messages')),
    );
  });

  it('sends a page packed with gzip when asked, the same JSON as the plain answer, which stays the default', async () => {
    const token = await account('packedpage');
    const a = device(token, 'Reception');
    for (let i = 0; i < 40; i += 1) a.fx.patient({ firstName: `Paket${i}`, lastName: 'Gzip' });
    await a.engine.push();
    // The patients' phase: 40 patients, none booked, so a full page of 30.
    const position = { ...startingDownload(a.fx.clock.now).position, phase: 'patients' };
    const url = new URL(syncRoutes.snapshot.path, f.base);
    for (const [key, value] of Object.entries({ ...position, limit: 30, schema: SYNC_SCHEMA_VERSION }))
      url.searchParams.set(key, String(value));
    const get = (accept?: string) =>
      fetch(url, { headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } });

    const plain = await get();
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await plain.text();
    expect(JSON.parse(text).rows.length).toBe(30);
    const packed = await get(`text/html;q=0.1, ${PACKED_ANSWER_TYPE};q=1`);
    expect(packed.status).toBe(200);
    expect(packed.headers.get('content-type')).toBe(PACKED_ANSWER_TYPE);
    // Not a content encoding: the HTTP client hands the bytes over packed, for the worker to unpack.
    expect(packed.headers.get('content-encoding')).toBeNull();
    for (const answer of [plain, packed]) expect(answer.headers.get('vary')?.toLowerCase()).toContain('accept');
    const bytes = Buffer.from(await packed.arrayBuffer());
    expect(bytes.length).toBeLessThan(Buffer.byteLength(text) / 2);
    // Unpacked by GNU gzip (not the zlib that packed it): the very text of the plain answer.
    expect(execFileSync('gzip', ['-d', '-c'], { input: bytes }).toString('utf8')).toBe(text);
    // Only where the client asks: a client that accepts anything gets JSON.
    expect((await get('*/*')).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('builds the search index and the index by patient in bulk, and an interruption leaves neither missing for good', async () => {
    const token = await account('bulkindex');
    const a = device(token, 'Reception');
    const now = a.fx.clock.now;
    const patients = ['Åsa Öberg', 'Jürgen Weiß', 'Mette Løkke', 'Ann Lee', 'Bo Ek', 'Ida Berg'].map((name) => {
      const [firstName, lastName] = name.split(' ');
      return a.fx.patient({ firstName, lastName });
    });
    // Years of history (booked in the past, so the download's history phase carries them), one patient left.
    for (let i = 0; i < 12; i++) {
      a.fx.clock.now = berlin(`202${i % 5}-0${1 + (i % 9)}-02`, 9);
      a.fx.book({ patientId: patients[i % 5]!.id, startAt: berlin(`202${i % 5}-0${1 + (i % 9)}-10`, 9 + (i % 7)) });
    }
    a.fx.clock.now = now;
    a.fx.core.patients.remove(patients[5]!.id);
    await a.engine.push();

    const b = practiceFixture(berlin('2026-06-01', 10));
    const node = b.core.repository.clock.node;
    const positions: string[] = [];
    const failing = (fail: boolean): SyncTransport => ({
      ...transport(token),
      snapshot: async (position, limit, id) => {
        positions.push(position.phase);
        // Stops on the third page of the history: the index by patient is staged by then.
        if (fail && positions.filter((p) => p === 'history').length === 3) throw new Error('network gone');
        return transport(token).snapshot(position, limit, id);
      },
    });
    b.core.sync.resetForAccount();
    // Small pages and staging from the first history row on, so that the phase spans several pages.
    const engine = (fail: boolean) =>
      new SyncEngine(b.core.db, b.core.repository.clock, { id: node, name: 'Room 3' }, failing(fail), 3, 0);
    await expect(engine(true).pull()).rejects.toThrow('network gone');
    const indexSql = (fx: Pick<Fixture, 'core'>) =>
      fx.core.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'appointments_by_patient'").pluck().get();
    const kept = () => b.core.db.prepare("SELECT value FROM sync_state WHERE key = 'staged_indexes'").pluck().get();
    // Interrupted in the history: the index is away, its SQL kept; the patients are searchable already.
    expect(indexSql(b)).toBeUndefined();
    expect(JSON.parse(String(kept()))).toEqual([indexSql(a.fx)]);
    expect(b.core.patients.search('oberg', 10).map((p) => p.id)).toEqual([patients[0]!.id]);
    expect(b.core.db.prepare("SELECT count(*) FROM sync_state WHERE key = 'search_index_deferred'").pluck().get()).toBe(
      0,
    );

    // Resumed to its end: the index is back with the same definition, nothing left staged.
    await engine(false).pull();
    expect(b.core.sync.download(b.clock.now)).toBeNull();
    expect(indexSql(b)).toBe(indexSql(a.fx));
    expect(kept()).toBeUndefined();
    // The search index holds what A's triggers wrote, row for row (the removed patient in neither).
    const searchIndex = (fx: Pick<Fixture, 'core'>) =>
      fx.core.db
        .prepare(
          'SELECT p.id, s.name, s.birth, s.phone FROM patients_fts s JOIN patients p ON p.rowid = s.rowid ORDER BY p.id',
        )
        .all();
    expect(searchIndex(b)).toEqual(searchIndex(a.fx));
    expect(searchIndex(b)).toHaveLength(5);
    expect(b.core.patients.search('weiß', 10).map((p) => p.id)).toEqual([patients[1]!.id]);
    await a.engine.pull(); // the messages the server queued (and expired) reach A too
    for (const table of SYNC_TABLES) expect(content(b, table), table).toEqual(content(a.fx, table));
    // A patient's appointments, read through the index again.
    const plan = b.core.db
      .prepare('EXPLAIN QUERY PLAN SELECT id FROM appointments WHERE patient_id = ? ORDER BY start_at')
      .all(patients[0]!.id) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('appointments_by_patient');
  });

  it('creates staged indexes again when the device is reset during the history', async () => {
    const token = await account('stagedreset');
    const a = device(token, 'Reception');
    const now = a.fx.clock.now;
    const patient = a.fx.patient({ firstName: 'Gerd', lastName: 'Alt' });
    for (let i = 0; i < 8; i++) {
      a.fx.clock.now = berlin(`2024-0${1 + i}-02`, 9);
      a.fx.book({ patientId: patient.id, startAt: berlin(`2024-0${1 + i}-10`, 9) });
    }
    a.fx.clock.now = now;
    await a.engine.push();
    const b = practiceFixture(berlin('2026-06-01', 10));
    let history = 0;
    const failing: SyncTransport = {
      ...transport(token),
      snapshot: async (position, limit, id) => {
        if (position.phase === 'history' && (history += 1) === 2) throw new Error('network gone');
        return transport(token).snapshot(position, limit, id);
      },
    };
    b.core.sync.resetForAccount();
    const node = b.core.repository.clock.node;
    await expect(
      new SyncEngine(b.core.db, b.core.repository.clock, { id: node, name: 'Room 3' }, failing, 3, 0).pull(),
    ).rejects.toThrow('network gone');
    const hasIndex = () =>
      b.core.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'appointments_by_patient'").pluck().get();
    expect(hasIndex()).toBe(0);
    // The user replaces the device's practice again (or another engine starts without a download to finish).
    b.core.sync.resetForAccount();
    expect(hasIndex()).toBe(1);
    expect(b.core.db.prepare("SELECT count(*) FROM sync_state WHERE key = 'staged_indexes'").pluck().get()).toBe(0);
  });
});

describe('sync between two workstations', () => {
  let token = '';
  let a: { fx: Fixture; engine: SyncEngine };
  let b: { fx: Fixture; engine: SyncEngine };

  it('a new device takes over the practice the account already has, and both hold the same data', async () => {
    token = await account('reception');
    a = device(token, 'Reception');
    b = device(token, 'Room 2');
    const patient = a.fx.patient({ firstName: 'Åsa', lastName: 'Lind' });
    a.fx.book({ patientId: patient.id, startAt: berlin('2026-06-10', 9) });
    expect(await a.engine.push()).toBe(a.fx.count('outbox'));
    expect(a.engine.pending()).toBe(0);
    // The server took the reminder into its queue and says so in the message's status: A learns it too.
    await a.engine.pull();
    expect(a.fx.core.db.prepare("SELECT status FROM messages WHERE kind = 'reminder'").get()).toEqual({
      status: 'queued',
    });

    // B had its own fresh set-up: it is replaced by the account's, never merged with it.
    expect(await b.engine.adoptAccountPractice()).toBeGreaterThan(0);
    for (const table of [
      'practice',
      'tenants',
      'practitioners',
      'appointment_types',
      'templates',
      'patients',
      'appointments',
      'messages',
    ])
      expect(content(b.fx, table), table).toEqual(content(a.fx, table));
    const appointmentId = String(rowsOf(a.fx, 'appointments')[0]!.id);
    expect(b.fx.core.agenda.get(appointmentId)).toMatchObject({ patientId: patient.id });
  });

  it('merges a patient edited on both devices field by field', async () => {
    const patientId = String(rowsOf(a.fx, 'patients')[0]!.id);
    // Both offline: A changes the notes, B (a minute later by its clock) the mobile number.
    a.fx.core.patients.update({ id: patientId, notes: 'Allergie: Penicillin' });
    b.fx.clock.now += 60_000;
    b.fx.core.patients.update({ id: patientId, mobile: '0171 9876543' });
    await a.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    const onA = a.fx.core.patients.get(patientId);
    const onB = b.fx.core.patients.get(patientId);
    expect(onA).toEqual(onB);
    expect(onA).toMatchObject({ notes: 'Allergie: Penicillin', mobile: '+491719876543' });
  });

  it('lets the later stamp win a field edited on both, whichever device reaches the server last', async () => {
    const patientId = String(rowsOf(a.fx, 'patients')[0]!.id);
    // B writes the notes first, A a minute later; A's change reaches the server first, B's (older) after.
    b.fx.clock.now = a.fx.clock.now + 60_000;
    b.fx.core.patients.update({ id: patientId, notes: 'older' });
    a.fx.clock.now = b.fx.clock.now + 60_000;
    a.fx.core.patients.update({ id: patientId, notes: 'newer' });
    await a.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    expect(a.fx.core.patients.get(patientId).notes).toBe('newer');
    expect(b.fx.core.patients.get(patientId).notes).toBe('newer');
  });

  it('lets the later stamp decide between a delete and an edit, the same on both devices', async () => {
    const id = String(rowsOf(a.fx, 'appointments')[0]!.id);
    // B edits the notes; A deletes later, and A's delete reaches the server before B's older edit.
    b.fx.clock.now = a.fx.clock.now + 60_000;
    b.fx.core.agenda.update({ id, notes: 'bitte Röntgenbild mitbringen' });
    a.fx.clock.now = b.fx.clock.now + 5 * 60_000;
    a.fx.core.repository.transaction(() => a.fx.core.repository.remove('appointments', id));
    await a.engine.sync();
    await b.engine.sync();
    await a.engine.sync();
    for (const fx of [a.fx, b.fx]) {
      expect(fx.core.db.prepare('SELECT deleted, notes FROM appointments WHERE id = ?').get(id)).toEqual({
        deleted: 1,
        notes: 'bitte Röntgenbild mitbringen',
      });
    }
  });

  it("tells the practice's other devices on their socket that something changed", async () => {
    const socket: Socket = connect(f.base, { transports: ['websocket'], auth: { token }, reconnection: false });
    const heard: unknown[] = [];
    socket.on('sync:changed', (payload: unknown) => heard.push(payload));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on('connect', () => resolve());
        socket.on('connect_error', reject);
      });
      a.fx.patient({ firstName: 'Mira', lastName: 'Ek' });
      const { cursor } = await transport(token).push({
        deviceId: a.fx.core.repository.clock.node,
        deviceName: 'Reception',
        ...(await pendingBatch(a)),
      });
      await expect.poll(() => heard).toEqual([{ cursor }]);
    } finally {
      socket.close();
    }
    await a.engine.sync();
  });

  it('changes nothing when the same batch arrives twice', async () => {
    a.fx.patient({ firstName: 'Jonas', lastName: 'Berg' });
    const batches: Parameters<SyncTransport['push']>[0][] = [];
    const recording = new SyncEngine(
      a.fx.core.db,
      a.fx.core.repository.clock,
      { id: a.fx.core.repository.clock.node, name: 'Reception' },
      {
        ...transport(token),
        push: async (batch) => {
          batches.push(batch);
          return transport(token).push(batch);
        },
      },
    );
    await recording.push();
    const before = await transport(token).pull(0, 5000);
    // The acknowledgement got lost: the device sends the very same batch again.
    const again = await transport(token).push(batches[0]!);
    expect(again.acked).toBe(batches[0]!.toSeq);
    const after = await transport(token).pull(0, 5000);
    expect(after).toEqual(before);
  });

  it('applies a batch once when copies of it arrive at the same time (a retry racing its original)', async () => {
    a.fx.core.patients.importMany(
      Array.from({ length: 400 }, (_, i) => ({ firstName: 'Gleich', lastName: `Zeitig${i}`, ...NO_CONTACT })),
    );
    const batch = await pendingBatch(a);
    expect(batch.changes.length).toBeGreaterThanOrEqual(400);
    const { next: last, more } = await transport(token).pull(0, 5000);
    expect(more).toBe(false);
    const body = {
      ...batch,
      schema: SYNC_SCHEMA_VERSION,
      deviceId: a.fx.core.repository.clock.node,
      deviceName: 'Reception',
    };
    // Four copies at once: on PostgreSQL their transactions overlap; each waits for the one before it and
    // then finds the batch stored. Numbered once: the practice's cursor moves by one number per row.
    const answers = await Promise.all(Array.from({ length: 4 }, () => transport(token).push(body)));
    for (const answer of answers) expect(answer.acked).toBe(batch.toSeq);
    const after = await transport(token).pull(last, 5000);
    expect(after.changes.length).toBe(batch.changes.length);
    expect(after.next - last).toBe(batch.changes.length);
  });

  it('refuses a batch with one bad row or a stamp from the future, naming it, and applies none of it', async () => {
    const before = await transport(token).pull(0, 5000);
    const stamp = (ms: number) => `${ms.toString(36).padStart(9, '0')}:00000:${a.fx.core.repository.clock.node}`;
    const good: SyncChange = {
      table: 'rooms',
      id: '01900000-0000-7000-8000-0000000000aa',
      fields: { name: { v: 'Raum 3', s: stamp(f.clock.now) }, deleted: { v: 0, s: stamp(f.clock.now) } },
    };
    const fresh = () => `x${Math.random().toString(36).slice(2, 12)}`;
    const send = (changes: SyncChange[]) =>
      transport(token).push({ deviceId: fresh(), deviceName: '', fromSeq: 1, toSeq: changes.length, changes });
    const wrongType: SyncChange = {
      table: 'patients',
      id: '01900000-0000-7000-8000-0000000000ab',
      fields: { first_name: { v: 42, s: stamp(f.clock.now) } },
    };
    await expect(send([good, wrongType])).rejects.toMatchObject({
      status: 400,
      issues: [{ path: 'changes.1.fields.first_name', code: 'type' }],
    });
    const unknownField: SyncChange = {
      table: 'patients',
      id: '01900000-0000-7000-8000-0000000000ab',
      fields: { shoe_size: { v: '42', s: stamp(f.clock.now) } },
    };
    await expect(send([good, unknownField])).rejects.toMatchObject({
      status: 400,
      issues: [{ code: 'unknown_field' }],
    });
    const future: SyncChange = { ...good, fields: { name: { v: 'Raum X', s: stamp(f.clock.now + 10 * 60_000) } } };
    await expect(send([future])).rejects.toMatchObject({ status: 400, code: 'clock_skew' });
    // Not even through the client: an unknown table never leaves the device.
    await expect(send([{ ...good, table: 'accounts' as never }])).rejects.toBeInstanceOf(ProtocolError);
    expect(await transport(token).pull(0, 5000)).toEqual(before);
  });

  it('gives another account nothing of the practice, and no way to push as one of its devices', async () => {
    const other = await account('elsewhere');
    expect(await transport(other).pull(0, 5000)).toEqual({ changes: [], next: 0, more: false });
    const before = await transport(token).pull(0, 5000);
    const stamp = `${f.clock.now.toString(36).padStart(9, '0')}:00000:zz`;
    await expect(
      transport(other).push({
        deviceId: a.fx.core.repository.clock.node,
        deviceName: '',
        fromSeq: 9999,
        toSeq: 9999,
        changes: [
          { table: 'rooms', id: '01900000-0000-7000-8000-0000000000ac', fields: { name: { v: 'x', s: stamp } } },
        ],
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(await transport(token).pull(0, 5000)).toEqual(before);
  });

  it('lists the practice’s devices; a revoked one pushes and pulls nothing, and only its account may revoke it', async () => {
    const other = await account('not.mine');
    const listed = await f.api('GET', '/api/sync/devices', undefined, token);
    expect(listed.status).toBe(200);
    const names = (listed.body.devices as { id: string; name: string; own: boolean; revokedAt: number | null }[])
      .map((d) => [d.name, d.own, d.revokedAt])
      .sort();
    expect(names).toEqual([
      ['Reception', true, null],
      ['Room 2', true, null],
    ]);
    // Another account's practice does not have this device.
    const bId = b.fx.core.repository.clock.node;
    expect((await f.api('POST', `/api/sync/devices/${bId}/revoke`, undefined, other)).status).toBe(404);
    expect((await f.api('POST', `/api/sync/devices/${bId}/revoke`, undefined, token)).status).toBe(200);

    b.fx.patient({ firstName: 'Nach', lastName: 'Sperre' });
    const before = await transport(token).pull(0, 5000);
    await expect(b.engine.push()).rejects.toMatchObject({ code: 'device_revoked' });
    await expect(b.engine.pull()).rejects.toMatchObject({ code: 'device_revoked' });
    expect(await transport(token).pull(0, 5000)).toEqual(before);
    // A still syncs.
    a.fx.patient({ firstName: 'Weiter', lastName: 'Geht' });
    expect(await a.engine.push()).toBeGreaterThan(0);
    const after = (await f.api('GET', '/api/sync/devices', undefined, token)).body.devices as {
      name: string;
      revokedAt: number | null;
    }[];
    expect(after.find((d) => d.name === 'Room 2')!.revokedAt).toBe(f.clock.now);
  });

  it('refuses a device built with an older sync schema, asking to update, and writes nothing', async () => {
    const before = await transport(token).pull(0, 5000);
    // Version 0 stands for a device from before versioning: older than any server.
    const pull = await f.api('GET', '/api/sync/pull?after=0&schema=0', undefined, token);
    expect(pull).toMatchObject({ status: 409, body: { error: { code: 'update_required' } } });
    a.fx.patient({ firstName: 'Alt', lastName: 'Version', mobile: null });
    const old = { ...(await pendingBatch(a)), schema: 0 };
    const pushed = await f.api('POST', '/api/sync/push', { deviceId: 'olddevice', deviceName: '', ...old }, token);
    expect(pushed).toMatchObject({ status: 409, body: { error: { code: 'update_required' } } });
    // The version the app is built with passes; a future one too (the server may be the older side).
    const current = await f.api('GET', `/api/sync/pull?after=0&schema=${SYNC_SCHEMA_VERSION}`, undefined, token);
    expect(current.status).toBe(200);
    expect(await transport(token).pull(0, 5000)).toEqual(before);
  });

  it('an individual practice that becomes an organisation keeps its data: devices sync on from their cursor', async () => {
    const solo = await account('solo.upgrade');
    const c = device(solo, 'Desk');
    const patient = c.fx.patient({ firstName: 'Per', lastName: 'Holm' });
    c.fx.book({ patientId: patient.id, startAt: berlin('2026-06-12', 11) });
    await c.engine.push();
    await c.engine.pull();
    const before = await transport(solo).pull(0, 5000);
    expect(before.changes.length).toBeGreaterThan(0);

    // A workstation's socket, connected before the upgrade and not reconnected after it.
    const socket: Socket = connect(f.base, { transports: ['websocket'], auth: { token: solo }, reconnection: false });
    const heard: unknown[] = [];
    socket.on('sync:changed', (payload: unknown) => heard.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    const upgraded = await f.api('POST', '/api/account/organisation', { name: 'Praxis Holm' }, solo);
    expect(upgraded.status).toBe(201);
    const orgId = upgraded.body.id as string;
    // The same rows, with the same sequence numbers, now the organisation's; the old id holds nothing.
    expect(await transport(solo).pull(0, 5000)).toEqual(before);
    const { id: soloId } = await f.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'solo.upgrade')
      .executeTakeFirstOrThrow();
    for (const table of ['sync_rows', 'sync_counters', 'sync_devices', 'outgoing_messages'] as const)
      expect(
        await f.db.selectFrom(table).select('practice_id').where('practice_id', '=', `acct:${soloId}`).execute(),
        table,
      ).toEqual([]);
    const moved = await f.db
      .selectFrom('outgoing_messages')
      .select(['key', 'practice_id'])
      .where('practice_id', '=', `org:${orgId}`)
      .execute();
    expect(moved.length).toBeGreaterThan(0);
    for (const m of moved) expect(m.key.startsWith(`org:${orgId} `)).toBe(true);
    // The device pushes and pulls on, from where it was.
    c.fx.patient({ firstName: 'Nils', lastName: 'Holm' });
    expect(await c.engine.push()).toBeGreaterThan(0);
    await c.engine.pull();
    expect(c.engine.pending()).toBe(0);
    // The socket connected before the upgrade hears the organisation's change (it used to stay in the
    // account's old room until it reconnected).
    try {
      await expect.poll(() => heard.length).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
    const after = await transport(solo).pull(before.next, 5000);
    expect(after.changes.some((ch) => ch.table === 'patients')).toBe(true);
  });
});
