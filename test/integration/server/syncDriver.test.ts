/**
 * The app's sync driver against the real server (SQLite and PostgreSQL), with real desktop cores: the first
 * sync's question on a device that has its own patients (upload to an empty account; replace — after an
 * export — when the account has a practice; "later" asks again only after the next sign-in), the states
 * the window shows (synced, offline with the time it began, an error with its code), and `data.changed`
 * naming what a pull brought.
 */
import { bearerSyncTransport, httpCallLogTransport } from '../../../src-main/core/sync/httpTransport';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, createApiRawClient } from '../../../protocol/client';
import { SYNC_SCHEMA, SYNC_TABLES, type SyncTable } from '../../../protocol/sync';
import { fieldStamp } from '../../../src-main/core/sync/repository';
import type { EventName, SyncStatus } from '../../../src-preload/contract';
import { toAppError } from '../../../src-main/core/account/serverClient';
import { ProtocolError } from '../../../protocol/client';
import { AppError } from '../../../src-main/core/errors';
import { inProcessLocal, SyncDriver, workerLocal } from '../../../src-main/core/sync/syncDriver';
import { databasePath } from '../../../src-main/core/config';
import { startCoreWorker } from '../../../src-main/core/worker/workerCore';
import type { SyncTransport } from '../../../src-main/core/sync/syncEngine';
import { berlin, practiceFixture, type Fixture } from '../../harness/practiceFixture';
import { NO_CONTACT } from '../../harness/patientInput';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';
import { ROOT } from '../../harness/testBridge';

/** The core's worker as the app runs it (built by npm run build). */
const WORKER = join(ROOT, 'dist', 'main', 'coreWorker.cjs');

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture({ realClock: true });
});
afterAll(() => f?.close());

/** The session's transport as the app has it: protocol errors become the app's error codes. */
const transport = (token: string, base = () => f.base): SyncTransport => {
  const call = createApiClient({ baseUrl: base });
  const wrap = async <T>(p: Promise<T>) => {
    try {
      return await p;
    } catch (error) {
      throw error instanceof ProtocolError ? toAppError(error) : error;
    }
  };
  return bearerSyncTransport(
    (route, input) => wrap(call(route, input)),
    () => token,
  );
};

/** The user's call log as the app reaches it (the account from the token). */
const callLogOf = (token: string) =>
  httpCallLogTransport((route, input) =>
    createApiClient({ baseUrl: () => f.base })(route, { ...input, auth: { bearer: token } }),
  );

function driverFor(
  fx: Fixture,
  remote: SyncTransport,
  onHeld?: (count: number) => void,
  callLog?: ReturnType<typeof callLogOf>,
) {
  const events: { event: EventName; payload: unknown }[] = [];
  const local = fx.core.sync;
  const driver = new SyncDriver({
    local: inProcessLocal(local),
    remote,
    signedIn: () => true,
    // The device's clock (its first download counts the current weeks from it).
    now: () => fx.clock.now,
    ...(callLog ? { callLog } : {}),
    ...(onHeld ? { onHeld } : {}),
    emit: (event, payload) => events.push({ event, payload }),
  });
  /** The states the window showed, one per change of state. */
  const statuses = () =>
    events
      .filter((e) => e.event === 'sync.status')
      .map((e) => (e.payload as SyncStatus).state)
      .filter((state, i, all) => state !== all[i - 1]);
  return { driver, events, statuses };
}

describe('the sync driver', () => {
  let token = '';
  let first: Fixture;

  it('asks a device with its own patients before uploading them to an empty account', async () => {
    token = (await f.registered('driver.one')).accessToken;
    first = practiceFixture(berlin('2026-06-01', 10));
    first.patient({ firstName: 'Eigene', lastName: 'Daten' });
    const { driver, statuses } = driverFor(first, transport(token));
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'choice', choice: 'upload' });
    expect(first.core.sync.pending()).toBeGreaterThan(0); // nothing left the device
    await driver.choose('upload');
    expect(driver.status()).toMatchObject({ state: 'synced', pending: 0, choice: null });
    expect(statuses()).toEqual(['choice', 'syncing', 'synced']);
  });

  it('replaces a device’s own practice with the account’s only when asked, after exporting it', async () => {
    const second = practiceFixture(berlin('2026-06-01', 10));
    const own = second.patient({ firstName: 'Lokale', lastName: 'Patientin' });
    const { driver, events } = driverFor(second, transport(token));
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'choice', choice: 'replace' });
    // "Later": the device works on its own and is not asked again by the timer, only after a new sign-in.
    await driver.choose('later');
    await driver.kick();
    expect(driver.status().state).toBe('off');
    expect(second.core.patients.get(own.id).lastName).toBe('Patientin');
    driver.accountChanged(true);
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'choice', choice: 'replace' });

    await driver.choose('replace');
    expect(driver.status()).toMatchObject({ state: 'synced', error: null });
    const exportFile = join(second.dataDir, 'exports');
    expect(existsSync(exportFile)).toBe(true);
    const exported = JSON.parse(readFileSync(`${exportFile}/${readdirSync(exportFile)[0]!}`, 'utf8')) as {
      tables: { patients: { id: string }[] };
    };
    expect(exported.tables.patients.map((p) => p.id)).toContain(own.id);
    expect(second.count('patients', `id = '${own.id}'`)).toBe(0);
    const practiceId = (fx: Fixture) => (fx.core.db.prepare('SELECT id FROM practice').get() as { id: string }).id;
    expect(practiceId(second)).toBe(practiceId(first));
    // The window was told (after each phase of the download).
    expect(
      events.flatMap((e) => (e.event === 'data.changed' ? (e.payload as { tables: string[] }).tables : [])),
    ).toEqual(expect.arrayContaining(['patients', 'practice']));
    second.core.close();
  });

  it('shows a new workstation’s first download: records of the total, the current weeks before the history', async () => {
    const patient = first.patient({ firstName: 'Diese', lastName: 'Woche' });
    first.book({ patientId: patient.id, startAt: berlin('2026-06-03', 9) });
    await driverFor(first, transport(token)).driver.kick();

    const fresh = practiceFixture(berlin('2026-06-01', 10));
    const { driver, events } = driverFor(fresh, transport(token));
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'synced', download: null });
    const downloads = events.flatMap((e, index) => {
      const status = e.event === 'sync.status' ? (e.payload as SyncStatus) : null;
      return status?.download ? [{ index, ...status.download }] : [];
    });
    // First "starting" (no total yet), then the count against the server's total, never going back.
    expect(downloads[0]).toMatchObject({ received: 0, total: null, agendaReady: false });
    // The total is the practice's rows when the download started (rows the server adds meanwhile, such as a
    // queued message's status, come with the pull after it): at most what the device holds at the end.
    const total = downloads.at(-1)!.total!;
    const held = SYNC_TABLES.map((table) => fresh.count(table)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(downloads.at(-1)!.received);
    expect(total).toBeLessThanOrEqual(held);
    expect(downloads.slice(1).every((d) => d.total === total)).toBe(true);
    for (let i = 1; i < downloads.length; i += 1)
      expect(downloads[i]!.received).toBeGreaterThanOrEqual(downloads[i - 1]!.received);
    expect(downloads.map((d) => d.agendaReady)).toContain(true);
    // The window was told of the agenda (and its patient) while the history was still to come.
    const agendaShown = events.findIndex(
      (e) => e.event === 'data.changed' && (e.payload as { tables: string[] }).tables.includes('appointments'),
    );
    expect(agendaShown).toBeGreaterThan(-1);
    expect(agendaShown).toBeLessThan(downloads.at(-1)!.index);
    expect(fresh.core.patients.get(patient.id).lastName).toBe('Woche');
    fresh.core.close();
  });

  it('downloads pages as bytes parsed by the core, each asked for before the one before it is applied', async () => {
    const raw = createApiRawClient({ baseUrl: () => f.base });
    const steps: string[] = [];
    let pages = 0;
    let spoilt: number | null = null;
    const packed: boolean[] = [];
    const remote = bearerSyncTransport(createApiClient({ baseUrl: () => f.base }), () => token, raw);
    const logged: SyncTransport = {
      ...remote,
      snapshotRaw: async (position, limit, device) => {
        const page = (pages += 1);
        steps.push(`fetch ${page}`);
        const bytes = await remote.snapshotRaw!(position, limit, device);
        // Asked for packed, and the server packs a snapshot page: gzip's magic number first.
        packed.push(bytes[0] === 0x1f && bytes[1] === 0x8b);
        // A page that is not the protocol's (a proxy's error page, a truncated body) is refused whole.
        return page === spoilt ? new TextEncoder().encode('{"rows": [{"table": "patients"}]}') : bytes;
      },
    };
    // A patient changed after it was written: its row's fields carry stamps other than the row's (`f`).
    const changedLater = first.patient({ firstName: 'Später', lastName: 'Geändert' });
    first.clock.now += 60_000;
    first.core.patients.update({ id: changedLater.id, notes: 'Neue Adresse' });
    await driverFor(first, transport(token)).driver.kick();
    const fresh = practiceFixture(berlin('2026-06-01', 10));
    const local = fresh.core.sync;
    const taken: string[] = [];
    const watched = new SyncDriver({
      local: {
        ...inProcessLocal(local),
        takeSnapshotPage: async (input) => {
          taken.push(input.page instanceof Uint8Array ? 'bytes' : 'objects');
          return local.takeSnapshotPage(input);
        },
        applyTakenPage: async () => {
          steps.push(`apply ${steps.filter((s) => s.startsWith('apply')).length + 1}`);
          return local.applyTakenPage();
        },
      },
      remote: logged,
      signedIn: () => true,
      now: () => fresh.clock.now,
      emit: () => {},
    });
    // The third page is spoilt: the download stops with an error, keeping the two pages before it.
    spoilt = 3;
    await watched.kick();
    expect(watched.status()).toMatchObject({ state: 'error', error: 'internal' });
    const kept = local.download(fresh.clock.now)!;
    expect(kept.received).toBeGreaterThan(0);
    expect(steps.filter((s) => s.startsWith('apply'))).toHaveLength(2);
    // It resumes from there; each page k + 1 was asked for before page k was applied.
    spoilt = null;
    steps.length = 0;
    pages = 0;
    await watched.kick();
    expect(watched.status()).toMatchObject({ state: 'synced', download: null });
    expect(taken.every((t) => t === 'bytes')).toBe(true);
    expect(packed.length).toBeGreaterThan(2);
    expect(packed.every(Boolean)).toBe(true);
    const applies = steps.filter((s) => s.startsWith('apply')).length;
    expect(applies).toBeGreaterThan(2);
    for (let k = 1; k < applies; k += 1)
      expect(steps.indexOf(`fetch ${k + 1}`)).toBeLessThan(steps.indexOf(`apply ${k}`));
    expect(steps.filter((s) => s.startsWith('fetch'))).toHaveLength(applies);
    // The same practice as a device that downloaded it as objects.
    const other = practiceFixture(berlin('2026-06-01', 10));
    await driverFor(other, transport(token)).driver.kick();
    for (const table of SYNC_TABLES) expect(fresh.count(table)).toBe(other.count(table));
    // Every field kept the stamp it had where it was written (a row stores only the stamps that are not
    // the row's own; most store none).
    const stamps = (fx: Fixture, table: SyncTable) =>
      (fx.core.db.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Record<string, string>[]).map((row) =>
        [...Object.keys(SYNC_SCHEMA[table]), 'deleted'].map((name) => fieldStamp(row.field_hlc!, name, row.hlc!)),
      );
    for (const table of ['patients', 'appointments', 'practitioners'] as const)
      expect(stamps(fresh, table)).toEqual(stamps(first, table));
    expect(fresh.count('patients', "field_hlc = '{}'")).toBeGreaterThan(0);
    expect(fresh.count('patients', "field_hlc <> '{}'")).toBeGreaterThan(0);
    expect(fresh.core.patients.get(changedLater.id).notes).toBe('Neue Adresse');
    fresh.core.close();
    other.core.close();
  });

  it('moves each page’s bytes to the core’s worker rather than copying them, as the app runs it', async () => {
    expect(existsSync(WORKER), `${WORKER} is missing: run npm run build first`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-sync-worker-'));
    const worker = await startCoreWorker(
      WORKER,
      {
        dataDir,
        appVersion: 'w',
        osLocales: ['de-DE'],
        defaultServerUrl: 'http://127.0.0.1:1',
        timeZone: 'Europe/Berlin',
      },
      { emit: () => {}, openExternal: () => {} },
    );
    const pages: { transfer: ArrayBuffer[]; bytes: number }[] = [];
    const driver = new SyncDriver({
      local: workerLocal(async (channel, input, transfer) => {
        const page = channel === 'internal.sync.takeSnapshotPage' ? (input as { page: Uint8Array }).page : null;
        const bytes = page?.byteLength ?? 0;
        const answer = await worker.call(channel, input, transfer);
        if (page) pages.push({ transfer: transfer ?? [], bytes });
        return answer;
      }),
      remote: bearerSyncTransport(
        createApiClient({ baseUrl: () => f.base }),
        () => token,
        createApiRawClient({ baseUrl: () => f.base }),
      ),
      signedIn: () => true,
      emit: () => {},
    });
    try {
      await driver.kick();
      expect(driver.status()).toMatchObject({ state: 'synced', error: null });
    } finally {
      await worker.close();
    }
    // Every page went over as its own buffer, which this thread no longer holds.
    expect(pages.length).toBeGreaterThan(1);
    for (const { transfer, bytes } of pages) {
      expect(bytes).toBeGreaterThan(0);
      expect(transfer).toHaveLength(1);
      expect(transfer[0]!.byteLength).toBe(0);
    }
    const copy = new Database(databasePath(dataDir), { readonly: true });
    try {
      for (const table of SYNC_TABLES)
        expect((copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n, table).toBe(
          first.count(table),
        );
    } finally {
      copy.close();
    }
  });

  it('keeps two batches on their way once the server has answered the first, and sends every change once', async () => {
    const before = first.count('patients');
    const rows = Array.from({ length: 1700 }, (_, i) => ({
      firstName: 'Stapel',
      lastName: `Nummer${i}`,
      ...NO_CONTACT,
    }));
    first.core.patients.importMany(rows);
    const local = inProcessLocal(first.core.sync);
    const remote = transport(token);
    // The server's answer to each batch after the first is held back until the device has sent the batch
    // after it (or found the outbox empty): a device that waited for each answer before sending on would
    // never finish.
    const sends: number[] = [];
    const refused: number[] = [];
    let ended = false;
    let inFlight = 0;
    let most = 0;
    const waiting: { after: number; go: () => void }[] = [];
    const release = () => {
      for (const w of waiting.splice(0)) {
        if (ended || sends.length > w.after + 1) w.go();
        else waiting.push(w);
      }
    };
    const driver = new SyncDriver({
      local: {
        ...local,
        nextBatch: async (after) => {
          const batch = await local.nextBatch(after);
          if (!batch) {
            ended = true;
            release();
          }
          return batch;
        },
      },
      remote: {
        ...remote,
        push: async (batch) => {
          const index = sends.push(batch.fromSeq) - 1;
          most = Math.max(most, (inFlight += 1));
          release();
          let answer: Awaited<ReturnType<typeof remote.push>>;
          try {
            answer = await remote.push(batch);
          } catch (error) {
            // The batch reached the server before the one ahead of it was stored (on PostgreSQL both are
            // stored at once, and either may come first): refused, to be sent again once that one is.
            inFlight -= 1;
            if (error instanceof AppError && error.code === 'sync_gap') refused.push(batch.fromSeq);
            throw error;
          }
          if (index > 0) {
            await new Promise<void>((go) => {
              waiting.push({ after: index, go });
              release();
            });
          }
          inFlight -= 1;
          return answer;
        },
      },
      signedIn: () => true,
      now: () => first.clock.now,
      emit: () => {},
    });
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'synced', pending: 0 });
    // Four batches of 500 or fewer, each stored by one request: a batch is sent again only after the
    // server refused it for arriving before the batch ahead of it; never more than two on their way.
    expect(new Set(sends).size).toBeGreaterThanOrEqual(4);
    expect(sends.length - refused.length).toBe(new Set(sends).size);
    for (const fromSeq of refused) expect(sends.lastIndexOf(fromSeq)).toBeGreaterThan(sends.indexOf(fromSeq));
    expect(most).toBe(2);
    // Every new patient reached the server once: a new device downloads them all.
    const other = practiceFixture(berlin('2026-06-01', 10));
    await driverFor(other, transport(token)).driver.kick();
    expect(other.count('patients')).toBe(before + 1700);
    expect(other.count('patients', "first_name = 'Stapel'")).toBe(1700);
    other.core.close();
  });

  it('sends a batch again, alone, when it reached the server before the batch ahead of it', async () => {
    first.core.patients.importMany(
      Array.from({ length: 1200 }, (_, i) => ({ firstName: 'Überholt', lastName: `Nummer${i}`, ...NO_CONTACT })),
    );
    const remote = transport(token);
    // The second batch is held on its way until the third has reached the server (as with two server
    // processes, one slower than the other): the server refuses the third as a gap.
    const sends: number[] = [];
    const refused: string[] = [];
    let thirdDone!: () => void;
    const third = new Promise<void>((resolve) => (thirdDone = resolve));
    const { driver } = driverFor(first, {
      ...remote,
      push: async (batch) => {
        const index = sends.push(batch.fromSeq) - 1;
        if (index === 1) await third;
        try {
          return await remote.push(batch);
        } catch (error) {
          refused.push(error instanceof AppError ? error.code : String(error));
          throw error;
        } finally {
          if (index === 2) thirdDone();
        }
      },
    });
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'synced', pending: 0 });
    expect(refused).toEqual(['sync_gap']);
    // The third batch twice: overtaking, then alone after the second's answer.
    expect(sends.length).toBe(4);
    expect(sends[3]).toBe(sends[2]);
    const other = practiceFixture(berlin('2026-06-01', 10));
    await driverFor(other, transport(token)).driver.kick();
    expect(other.count('patients', "first_name = 'Überholt'")).toBe(1200);
    other.core.close();
  });

  it('sends on from what the server acknowledged when its answers were lost, dropping the batch read ahead', async () => {
    const local = first.core.sync;
    first.core.patients.importMany(
      Array.from({ length: 1200 }, (_, i) => ({
        firstName: 'Verloren',
        lastName: `Antwort${i}`,
        ...NO_CONTACT,
      })),
    );
    // Two batches reach the server, but their answers never reach the device (it acknowledged neither).
    const remote = transport(token);
    const lost = [local.nextBatch()!];
    lost.push(local.nextBatch(lost[0]!.toSeq)!);
    for (const batch of lost) await remote.push(batch);
    const sent: number[] = [];
    const { driver } = driverFor(first, {
      ...remote,
      push: async (batch) => {
        sent.push(batch.fromSeq);
        return remote.push(batch);
      },
    });
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'synced', pending: 0 });
    // The first batch again (the server answers with all it has), then straight after the second.
    expect(sent[0]).toBe(lost[0]!.fromSeq);
    expect(sent[1]).toBe(lost[1]!.toSeq + 1);
    const other = practiceFixture(berlin('2026-06-01', 10));
    await driverFor(other, transport(token)).driver.kick();
    expect(other.count('patients', "first_name = 'Verloren'")).toBe(1200);
    other.core.close();
  });

  it('shares a user’s call log between that user’s own devices only, with "seen" going both ways', async () => {
    const desk = practiceFixture(berlin('2026-06-01', 10));
    const laptop = practiceFixture(berlin('2026-06-01', 10));
    const kick = async (fx: Fixture, as: string) => {
      const { driver, events } = driverFor(fx, transport(as), undefined, callLogOf(as));
      await driver.kick();
      expect(driver.status().state).toBe('synced');
      return events;
    };
    const log = (fx: Fixture) => fx.core.callLog.list({ limit: 50 }).map((e) => `${e.peerName} ${e.status}`);
    // Written on the desk before it ever synced: the first account to sync there takes it over.
    desk.core.callLog.add({
      direction: 'incoming',
      peerName: 'Dr. Weber',
      kind: 'contact',
      status: 'missed',
      startedAt: desk.clock.now - 60_000,
      answeredAt: null,
      endedAt: null,
    });
    await kick(desk, token);
    const events = await kick(laptop, token);
    expect(log(laptop)).toEqual(['Dr. Weber missed']);
    expect(laptop.core.callLog.missed()).toBe(1);
    expect(
      events.some((e) => e.event === 'data.changed' && (e.payload as { tables: string[] }).tables.includes('call_log')),
    ).toBe(true);

    // Seen on the laptop: the desk's badge clears at its next sync; a call made on the laptop shows on the desk.
    laptop.core.callLog.markSeen();
    laptop.core.callLog.add({
      direction: 'outgoing',
      peerName: 'Praxis Nord',
      kind: 'contact',
      status: 'answered',
      startedAt: laptop.clock.now,
      answeredAt: laptop.clock.now + 2_000,
      endedAt: laptop.clock.now + 62_000,
    });
    await kick(laptop, token);
    await kick(desk, token);
    expect(desk.core.callLog.missed()).toBe(0);
    expect(log(desk).sort()).toEqual(['Dr. Weber missed', 'Praxis Nord answered']);
    // Nothing is sent again when nothing changed.
    expect(desk.core.sync.callLogBatch().entries).toEqual([]);

    // Another account signing in on the desk sees none of it; the first user's log is back after.
    const other = (await f.registered('driver.other')).accessToken;
    await kick(desk, other);
    expect(log(desk)).toEqual([]);
    await kick(desk, token);
    expect(log(desk).sort()).toEqual(['Dr. Weber missed', 'Praxis Nord answered']);
    // And a fresh device of the other account receives nothing of it.
    const theirs = practiceFixture(berlin('2026-06-01', 10));
    await kick(theirs, other);
    expect(log(theirs)).toEqual([]);
    for (const fx of [desk, laptop, theirs]) fx.core.close();
  });

  it('says offline since when the server cannot be reached, and synced again once it can', async () => {
    let base = 'http://127.0.0.1:9';
    const { driver } = driverFor(
      first,
      transport(token, () => base),
    );
    first.patient({ firstName: 'Offline', lastName: 'Geändert' });
    const before = first.clock.now; // the driver tells time by the device's clock
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'offline', pending: 1 });
    const since = driver.status().offlineSince!;
    expect(since).toBeGreaterThanOrEqual(before);
    await driver.kick();
    expect(driver.status().offlineSince).toBe(since); // since when, not since the last attempt
    base = f.base;
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'synced', pending: 0, offlineSince: null });
  });

  it('tells the user once when messages come back held for want of credits', async () => {
    const held: number[] = [];
    const { driver } = driverFor(first, transport(token), (count) => held.push(count));
    first.clock.now = Date.now();
    // No quiet hours (this test may run at night in Berlin): the message is due at once.
    first.core.practice.updatePractice({ quietStart: 0, quietEnd: 0 });
    first.core.handlers.messages.compose({
      channel: 'sms',
      patientId: null,
      recipient: '+4917123456789',
      subject: '',
      body: 'Ohne Guthaben',
      scheduledAt: null,
      tenantId: null,
    });
    // The server's dispatcher runs by itself: the message comes back held (the account has no credits).
    await expect
      .poll(async () => {
        await driver.kick();
        return held;
      })
      .toEqual([1]);
    await driver.kick();
    expect(held).toEqual([1]); // not again while the number does not grow
  });

  it('shows the server’s reason when a push is refused', async () => {
    const { driver } = driverFor(first, {
      push: () => Promise.reject(toAppError(new ProtocolError(400, 'clock_skew', 'The stamp is in the future'))),
      pull: () => Promise.resolve({ changes: [], next: 0, more: false }),
      snapshot: () => Promise.resolve({ rows: [], next: null, upTo: 0, total: 0 }),
    });
    first.patient({ firstName: 'Zukunft', lastName: 'Uhr' });
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'error', error: 'clock_skew' });
    first.core.close();
  });
});
