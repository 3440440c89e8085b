import { describe, expect, it } from 'vitest';
import { RelayEntries } from '../../server/calls/relayEntries';

/** A stand-in for the database: each call's participants and version, every read counted; reads can be held. */
function setup() {
  const calls = new Map<string, { peers: string[]; version: number }>();
  const reads: string[] = [];
  const background: Promise<unknown>[] = [];
  let held: (() => void)[] | null = null;
  let clock = 1_000_000;
  const entries = new RelayEntries(
    async (callId) => {
      reads.push(callId);
      const answer = structuredClone(calls.get(callId) ?? { peers: [], version: -1 });
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      return answer;
    },
    (work) => background.push(work),
    30_000,
    () => clock,
  );
  return {
    entries,
    calls,
    reads,
    background,
    /** Reads started from now on wait until `release`. */
    hold: () => (held = []),
    release: () => {
      const waiting = held!;
      held = null;
      for (const resolve of waiting) resolve();
    },
    advance: (ms: number) => (clock += ms),
  };
}

describe('the relay entries', () => {
  it('reads a call once, then answers from the entry', async () => {
    const t = setup();
    t.calls.set('c1', { peers: ['a', 'b'], version: 3 });
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(true);
    expect(await t.entries.bothIn('c1', 'b', 'a')).toBe(true);
    expect(await t.entries.bothIn('c1', 'a', 'x')).toBe(false); // not a participant: asks the database
    expect(t.reads).toEqual(['c1', 'c1']);
  });

  it('shares one read among the signals that arrive while it is in flight', async () => {
    const t = setup();
    t.calls.set('c1', { peers: ['a', 'b'], version: 1 });
    t.hold();
    const answers = [t.entries.bothIn('c1', 'a', 'b'), t.entries.bothIn('c1', 'b', 'a')];
    await Promise.resolve();
    t.release();
    expect(await Promise.all(answers)).toEqual([true, true]);
    expect(t.reads).toEqual(['c1']);
  });

  it('keeps the newer of two announcements that crossed on their way', async () => {
    const t = setup();
    // Version 5 (Ana and Ben) arrives first, then version 4 (Ana, Ben and Cleo, before Cleo left).
    t.entries.changed('c1', ['a', 'b'], 5);
    t.entries.changed('c1', ['a', 'b', 'c'], 4);
    t.calls.set('c1', { peers: ['a', 'b'], version: 5 });
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(true);
    expect(t.reads).toEqual([]);
    // Cleo is not let through on the older announcement: the database says no.
    expect(await t.entries.bothIn('c1', 'c', 'a')).toBe(false);
    expect(t.reads).toEqual(['c1']);
  });

  it('an ended call holds off an older announcement that arrives after its end', async () => {
    const t = setup();
    t.entries.changed('c1', [], 7); // ended
    t.entries.changed('c1', ['a', 'b'], 6); // the accept, late
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(false);
    expect(t.reads).toEqual(['c1']);
  });

  it('a newer announcement replaces the entry', async () => {
    const t = setup();
    t.entries.changed('c1', ['a', 'b'], 2);
    t.entries.changed('c1', ['a', 'b', 'c'], 3);
    expect(await t.entries.bothIn('c1', 'c', 'a')).toBe(true);
    t.entries.changed('c1', [], 4); // hung up
    t.calls.set('c1', { peers: [], version: -1 });
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(false);
  });

  it('a read that started before a change neither replaces the change nor answers later signals', async () => {
    const t = setup();
    t.calls.set('c1', { peers: ['a', 'b', 'c'], version: 4 });
    t.hold();
    const early = t.entries.bothIn('c1', 'c', 'a');
    await Promise.resolve();
    // Cleo leaves (version 5) while the read of version 4 is in flight.
    t.entries.changed('c1', ['a', 'b'], 5);
    t.calls.set('c1', { peers: ['a', 'b'], version: 5 });
    const later = t.entries.bothIn('c1', 'c', 'a');
    t.release();
    expect(await early).toBe(true); // decided on what was read when it asked
    expect(await later).toBe(false); // a read of its own, after the change
    expect(await t.entries.bothIn('c1', 'c', 'b')).toBe(false);
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(true);
  });

  it('keeps nothing for calls that are not there', async () => {
    const t = setup();
    for (let i = 0; i < 50; i += 1) expect(await t.entries.bothIn(`made-up-${i}`, 'a', 'b')).toBe(false);
    expect(t.entries.size).toBe(0);
  });

  it('forgets a call when only its id is announced', async () => {
    const t = setup();
    t.entries.changed('c1', ['a', 'b'], 2);
    t.entries.forget('c1');
    t.calls.set('c1', { peers: ['a', 'b'], version: 3 });
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(true);
    expect(t.reads).toEqual(['c1']);
  });

  it('reads an entry afresh in the background in its last quarter, and prunes expired ones', async () => {
    const t = setup();
    t.entries.changed('c1', ['a', 'b'], 2);
    t.entries.changed('c2', ['x', 'y'], 1);
    t.calls.set('c1', { peers: ['a', 'b'], version: 2 });
    // Each entry lasts 22.5–37.5 s: at 30 s it is in its last quarter or expired.
    t.advance(30_000);
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(true);
    await Promise.all(t.background);
    expect(t.reads).toEqual(['c1']);
    t.advance(10_000); // c2 has expired; c1 was read afresh
    t.entries.prune();
    expect(t.entries.size).toBe(1);
    t.advance(40_000);
    t.entries.prune();
    expect(t.entries.size).toBe(0);
  });

  it('drops every entry on clear, and a read in flight then answers but keeps nothing', async () => {
    const t = setup();
    t.entries.changed('c1', ['a', 'b'], 2);
    t.entries.changed('c2', ['x', 'y'], 1);
    t.calls.set('c3', { peers: ['p', 'q'], version: 1 });
    t.hold();
    const inFlight = t.entries.bothIn('c3', 'p', 'q');
    t.entries.clear();
    expect(t.entries.size).toBe(0);
    t.release();
    expect(await inFlight).toBe(true);
    expect(t.entries.size).toBe(0);
    // The ended call c1 (the announcement of its end was what got lost) is read afresh: refused now.
    expect(await t.entries.bothIn('c1', 'a', 'b')).toBe(false);
    expect(t.reads).toEqual(['c3', 'c1']);
  });
});
