/** The agenda's conflict marks: which appointments overlap another active one of the same practitioner. */
import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../src-preload/contract';
import { overlaps } from '../../src-main/core/practice/agendaService';

const at = (id: string, practitionerId: string, start: number, end: number, status = 'booked'): Appointment =>
  ({ id, practitionerId, startAt: start * 60_000, endAt: end * 60_000, status }) as Appointment;

describe('overlaps', () => {
  it('marks both of two appointments at the same time, and none that only touch', () => {
    expect(overlaps([at('a', 'p', 600, 630), at('b', 'p', 600, 630), at('c', 'p', 630, 660)]).sort()).toEqual([
      'a',
      'b',
    ]);
  });
  it('finds an overlap with a long appointment that began earlier', () => {
    expect(overlaps([at('long', 'p', 480, 720), at('x', 'p', 540, 560), at('y', 'p', 700, 760)]).sort()).toEqual([
      'long',
      'x',
      'y',
    ]);
  });
  it('ignores other practitioners and cancelled or no-show appointments', () => {
    expect(
      overlaps([
        at('a', 'p', 600, 630),
        at('b', 'q', 600, 630),
        at('c', 'p', 600, 630, 'cancelled'),
        at('d', 'p', 610, 620, 'no_show'),
      ]),
    ).toEqual([]);
  });
});
