/**
 * The app's sync driver against the real server (SQLite and PostgreSQL), with real desktop cores: the first
 * sync's question on a device that has its own patients (upload to an empty account; replace — after an
 * export — when the account has a practice; "later" asks again only after the next sign-in), the states
 * the window shows (synced, offline with the time it began, an error with its code), and `data.changed`
 * naming what a pull brought.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../protocol/client';
import { syncRoutes } from '../../../protocol/sync';
import type { EventName, SyncStatus } from '../../../src-preload/contract';
import { toAppError } from '../../../src-main/core/account/serverClient';
import { ProtocolError } from '../../../protocol/client';
import { inProcessLocal, SyncDriver } from '../../../src-main/core/sync/syncDriver';
import type { SyncTransport } from '../../../src-main/core/sync/syncEngine';
import { berlin, practiceFixture, type Fixture } from '../../harness/practiceFixture';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

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
  return {
    push: (body) => wrap(call(syncRoutes.push, { body, auth: { bearer: token } })),
    pull: (after, limit, device) =>
      wrap(call(syncRoutes.pull, { query: { after, limit, ...(device ? { device } : {}) }, auth: { bearer: token } })),
  };
};

function driverFor(fx: Fixture, remote: SyncTransport, onHeld?: (count: number) => void) {
  const events: { event: EventName; payload: unknown }[] = [];
  const local = fx.core.sync;
  const driver = new SyncDriver({
    local: inProcessLocal(local),
    remote,
    signedIn: () => true,
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
    expect(events.find((e) => e.event === 'data.changed')?.payload).toMatchObject({
      tables: expect.arrayContaining(['patients', 'practice']),
    });
    second.core.close();
  });

  it('says offline since when the server cannot be reached, and synced again once it can', async () => {
    let base = 'http://127.0.0.1:9';
    const { driver } = driverFor(
      first,
      transport(token, () => base),
    );
    first.patient({ firstName: 'Offline', lastName: 'Geändert' });
    const before = Date.now();
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
    });
    first.patient({ firstName: 'Zukunft', lastName: 'Uhr' });
    await driver.kick();
    expect(driver.status()).toMatchObject({ state: 'error', error: 'clock_skew' });
    first.core.close();
  });
});
