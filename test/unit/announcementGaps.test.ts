/**
 * AnnouncementGaps (server/cluster): a process notices that it missed another's numbered announcements.
 * Checked against a plain model: a gap is any announcement heard whose number is above the highest heard
 * from that process plus one (the first heard from a process excepted), under random interleavings of
 * several processes, losses and re-deliveries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnnouncementGaps } from '../../server/cluster/announcementGaps';

describe('AnnouncementGaps', () => {
  it('reports a gap exactly where some of a process’s announcements were lost', () => {
    fc.assert(
      fc.property(
        // Per process: how many it announces, and which of them get lost or delivered twice.
        fc.array(
          fc.record({
            count: fc.integer({ min: 1, max: 30 }),
            lost: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
            twice: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        // Which process's next delivery comes next, as long as several have some left.
        fc.array(fc.nat(), { maxLength: 200 }),
        (processes, picks) => {
          // Each process's deliveries in its own order; the processes' streams interleaved at random.
          const streams = processes.map((p, i) => {
            const delivered: { origin: string; seq: number }[] = [];
            for (let seq = 1; seq <= p.count; seq += 1) {
              if (p.lost[seq - 1]) continue;
              delivered.push({ origin: `p${i}`, seq });
              if (p.twice[seq - 1]) delivered.push({ origin: `p${i}`, seq });
            }
            return delivered;
          });
          const order: { origin: string; seq: number }[] = [];
          const cursors = streams.map(() => 0);
          while (cursors.some((c, i) => c < streams[i]!.length)) {
            const open = cursors.map((c, i) => (c < streams[i]!.length ? i : -1)).filter((i) => i >= 0);
            const pick = open[(picks[order.length] ?? 0) % open.length]!;
            order.push(streams[pick]![cursors[pick]!]!);
            cursors[pick]! += 1;
          }
          const gaps = new AnnouncementGaps();
          const highest = new Map<string, number>();
          for (const { origin, seq } of order) {
            const top = highest.get(origin);
            const expected = top === undefined || seq <= top || seq === top + 1;
            expect(gaps.heard(origin, seq)).toBe(expected);
            highest.set(origin, Math.max(top ?? 0, seq));
          }
        },
      ),
    );
  });

  it('starts afresh with a process that is forgotten (gone)', () => {
    const gaps = new AnnouncementGaps();
    expect(gaps.heard('a', 5)).toBe(true);
    expect(gaps.heard('a', 7)).toBe(false);
    gaps.forget('a');
    expect(gaps.heard('a', 20)).toBe(true);
    expect(gaps.heard('a', 21)).toBe(true);
  });
});
