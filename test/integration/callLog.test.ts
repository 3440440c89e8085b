/**
 * The device's call log over the real core and SQLite file, through the dispatcher: rows with their
 * duration, filters, the missed-calls badge, and bad input refused without a write.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src-main/core/core';
import { createDispatcher } from '../../src-main/core/ipc/dispatcher';
import { APP_ORIGIN, isTrustedSender } from '../../src-main/core/security/policy';

const core = createCore({
  dataDir: mkdtempSync(join(tmpdir(), 'clinicdesk-calllog-')),
  appVersion: 'test',
  osLocales: ['en-GB'],
  defaultServerUrl: 'http://127.0.0.1:4780',
  openExternal: () => {},
  emit: () => {},
});
afterAll(() => core.close());
const dispatch = createDispatcher({ handlers: core.handlers, isTrustedSender });
const call = (channel: string, input?: unknown) =>
  dispatch(channel, input, { url: `${APP_ORIGIN}/index.html`, isMainFrame: true }) as Promise<
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of several commands; the assertions check their shape
    { ok: true; value: any } | { ok: false; error: { code: string } }
  >;

const T = Date.UTC(2026, 10, 2, 9);

describe('call log', () => {
  it('stores calls with their duration, filters them, and counts unseen missed calls', async () => {
    const add = (entry: object) => call('callLog.add', entry);
    expect(
      await add({
        direction: 'incoming',
        peerName: 'Ingrid Nilsson',
        kind: 'guest',
        status: 'answered',
        startedAt: T,
        answeredAt: T + 20_000,
        endedAt: T + 20_000 + 754_000,
      }),
    ).toMatchObject({ ok: true, value: { durationS: 754, peerName: 'Ingrid Nilsson' } });
    await add({
      direction: 'incoming',
      peerName: 'Dr. Berg',
      kind: 'contact',
      status: 'missed',
      startedAt: T + 3_600_000,
      answeredAt: null,
      endedAt: T + 3_645_000,
    });
    await add({
      direction: 'outgoing',
      peerName: 'Team',
      kind: 'group',
      status: 'answered',
      startedAt: T + 7_200_000,
      answeredAt: T + 7_205_000,
      endedAt: T + 7_800_000,
    });

    const all = await call('callLog.list', {});
    expect(all.ok && all.value.map((e: { peerName: string }) => e.peerName)).toEqual([
      'Team',
      'Dr. Berg',
      'Ingrid Nilsson',
    ]);
    const missed = await call('callLog.list', { status: 'missed' });
    expect(
      missed.ok && missed.value.map((e: { peerName: string; durationS: number }) => [e.peerName, e.durationS]),
    ).toEqual([['Dr. Berg', 0]]);
    const outgoing = await call('callLog.list', { direction: 'outgoing', kind: 'group' });
    expect(outgoing.ok && outgoing.value).toHaveLength(1);
    expect(await call('callLog.list', { search: 'nils' })).toMatchObject({ ok: true, value: [{ kind: 'guest' }] });

    expect(await call('callLog.missed')).toEqual({ ok: true, value: 1 });
    await call('callLog.markSeen');
    expect(await call('callLog.missed')).toEqual({ ok: true, value: 0 });
  });

  it('refuses bad entries and writes nothing', async () => {
    const before = await call('callLog.list', {});
    const bad = [
      {
        direction: 'sideways',
        peerName: 'x',
        kind: 'contact',
        status: 'answered',
        startedAt: T,
        answeredAt: null,
        endedAt: null,
      },
      {
        direction: 'incoming',
        peerName: 'x',
        kind: 'contact',
        status: 'answered',
        startedAt: T,
        answeredAt: T - 1,
        endedAt: null,
      },
      {
        direction: 'incoming',
        peerName: 'x'.repeat(500),
        kind: 'contact',
        status: 'answered',
        startedAt: T,
        answeredAt: null,
        endedAt: null,
      },
      {
        direction: 'incoming',
        peerName: 'x',
        kind: 'contact',
        status: 'answered',
        startedAt: -5,
        answeredAt: null,
        endedAt: null,
      },
    ];
    for (const entry of bad)
      expect(await call('callLog.add', entry)).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await call('callLog.list', {})).toEqual(before);
  });
});
