/**
 * What only grows unless housekeeping removes it (found by a 15-minute soak): server sessions (every sign-in
 * and refresh adds a row) and socket tickets that were never used. The hourly housekeeping deletes them once
 * expired, and nothing that is still valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

const GOOD = 'Correct-Horse-7-Battery';
const DAY = 86_400_000;
type Session = { accessToken: string; refreshToken: string };

const count = async (table: 'sessions' | 'socket_tickets') =>
  Number(
    (
      await f.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('housekeeping', () => {
  it('deletes expired and long-revoked sessions and expired socket tickets, and keeps valid ones', async () => {
    await f.registered('soak', GOOD);

    const start = f.clock.now;
    const sessionsBefore = await count('sessions');
    // Ten sign-ins and a refresh of one of them (the refreshed row is revoked, a new one added).
    const signIns: Session[] = [];
    for (let i = 0; i < 10; i += 1) {
      signIns.push((await f.api('POST', '/api/auth/sign-in', { username: 'soak', password: GOOD })).body as Session);
    }
    expect((await f.api('POST', '/api/auth/refresh', { refreshToken: signIns[0]!.refreshToken })).status).toBe(200);
    for (let i = 0; i < 5; i += 1) {
      expect((await f.api('POST', '/api/calls/ticket', undefined, signIns[1]!.accessToken)).status).toBe(200);
    }
    expect(await count('sessions')).toBe(sessionsBefore + 11);
    expect(await count('socket_tickets')).toBe(5);

    // Two minutes on: the tickets (60 s) have expired, every session is still valid.
    f.clock.now = start + 120_000;
    await f.server.housekeeping();
    expect(await count('socket_tickets')).toBe(0);
    expect(await count('sessions')).toBe(sessionsBefore + 11);

    // Two days on: the refreshed (rotated) session is gone, the others stay.
    f.clock.now = start + 2 * DAY;
    await f.server.housekeeping();
    expect(await count('sessions')).toBe(sessionsBefore + 10);

    // A session signed in now survives the next purge; all earlier ones have expired after 30 days.
    f.clock.now = start + 29 * DAY;
    const late = (await f.api('POST', '/api/auth/sign-in', { username: 'soak', password: GOOD })).body as Session;
    f.clock.now = start + 31 * DAY;
    await f.server.housekeeping();
    expect(await count('sessions')).toBe(1);
    expect((await f.api('POST', '/api/auth/refresh', { refreshToken: late.refreshToken })).status).toBe(200);
  });
});
