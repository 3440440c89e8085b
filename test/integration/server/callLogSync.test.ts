/**
 * The call log's server side, raced (SQLite and PostgreSQL): the same entries pushed by several requests at
 * once — a user's two devices, a retry — are stored once, with the larger `seen`, and pulled once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

const entry = (i: number, seen: 0 | 1) => ({
  id: `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  direction: 'incoming',
  peerName: `Caller ${i}`,
  kind: 'contact',
  status: 'missed',
  startedAt: 1_700_000_000_000 + i,
  answeredAt: null,
  endedAt: null,
  seen,
});

describe('call log sync on the server', () => {
  it('stores entries pushed by racing requests once each, keeping the larger "seen"', async () => {
    const { accessToken } = await f.registered('racing.caller', 'Racing-Caller-Pass-7');
    const entries = (seen: 0 | 1) => Array.from({ length: 50 }, (_, i) => entry(i, seen));
    // The first pushes of an account race to create its counter too.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        f.api('POST', '/api/sync/call-log', { entries: entries(i === 7 ? 1 : 0) }, accessToken),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const pulled = await f.api('GET', '/api/sync/call-log?after=0&limit=1000', undefined, accessToken);
    const ids = (pulled.body.entries as { id: string; seen: number }[]).map((e) => e.id);
    expect(new Set(ids).size).toBe(50);
    expect(ids).toHaveLength(50);
    expect((pulled.body.entries as { seen: number }[]).every((e) => e.seen === 1)).toBe(true);
    // Nothing new afterwards: a repeat stores nothing, and the cursor has nothing after it.
    const again = await f.api('POST', '/api/sync/call-log', { entries: entries(0) }, accessToken);
    expect(again.body).toEqual({ stored: 0 });
    const after = await f.api('GET', `/api/sync/call-log?after=${pulled.body.next}`, undefined, accessToken);
    expect(after.body.entries).toEqual([]);
  });

  it('refuses a malformed entry whole, storing none of the batch', async () => {
    const { accessToken } = await f.registered('bad.caller', 'Bad-Caller-Pass-7');
    const bad = await f.api(
      'POST',
      '/api/sync/call-log',
      { entries: [entry(1, 0), { ...entry(2, 0), status: 'lost' }] },
      accessToken,
    );
    expect(bad.status).toBe(400);
    const pulled = await f.api('GET', '/api/sync/call-log?after=0', undefined, accessToken);
    expect(pulled.body.entries).toEqual([]);
  });
});
