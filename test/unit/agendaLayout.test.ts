/**
 * The agenda grid's arithmetic, without a browser. The calendar weeks are checked against an independent
 * reference: Python's datetime.date.isocalendar() (ISO 8601), which produced the table below.
 */
import { describe, expect, it } from 'vitest';
import { workingHoursOf, type AgendaDay, type Appointment } from '../../src-preload/contract';
import {
  closedSpans,
  columnsOf,
  gridHours,
  isoWeek,
  isoWeekday,
  lanes,
  reminderTooLate,
} from '../../src-renderer/app/agenda/agendaLayout';
import type { PracticeData } from '../../src-renderer/app/store';

const appointment = (id: string, startAt: number, endAt: number, extra: Partial<Appointment> = {}): Appointment => ({
  id,
  patientId: null,
  patientName: null,
  patientPhone: null,
  practitionerId: 'p1',
  roomId: null,
  typeId: 't1',
  typeName: 'Check',
  colour: '#2f6fdf',
  tenantId: 'x',
  startAt,
  endAt,
  status: 'booked',
  notes: '',
  cancelReason: '',
  reminderAt: null,
  ...extra,
});

describe('calendar week', () => {
  it('matches ISO 8601 weeks and weekdays as Python computes them', () => {
    const reference: [string, number, number][] = [
      ['2008-12-29', 1, 1],
      ['2010-01-03', 53, 7],
      ['2020-12-31', 53, 4],
      ['2021-01-03', 53, 7],
      ['2024-12-30', 1, 1],
      ['2026-12-31', 53, 4],
      ['2027-01-03', 53, 7],
      ['2027-01-04', 1, 1],
      ['2014-07-11', 28, 5],
      ['2006-10-07', 40, 6],
      ['2017-09-16', 37, 6],
      ['2029-03-13', 11, 2],
      ['2002-03-02', 9, 6],
      ['2003-04-01', 14, 2],
      ['2036-11-02', 44, 7],
      ['2024-01-14', 2, 7],
      ['2004-03-22', 13, 1],
      ['2016-05-27', 21, 5],
      ['2026-02-21', 8, 6],
      ['2002-08-08', 32, 4],
      ['2022-10-05', 40, 3],
      ['2009-08-18', 34, 2],
      ['2001-09-06', 36, 4],
      ['2003-11-09', 45, 7],
      ['2019-06-14', 24, 5],
      ['2018-10-04', 40, 4],
      ['2003-02-18', 8, 2],
      ['2010-10-18', 42, 1],
      ['2004-01-26', 5, 1],
      ['2024-09-19', 38, 4],
      ['2019-01-16', 3, 3],
      ['2002-08-26', 35, 1],
    ];
    for (const [date, week, weekday] of reference) {
      expect([date, isoWeek(date), isoWeekday(date)]).toEqual([date, week, weekday]);
    }
  });
});

describe('grid', () => {
  it('puts overlapping appointments side by side and others full width', () => {
    const layout = lanes([
      appointment('a', 0, 30),
      appointment('b', 10, 40),
      appointment('c', 30, 50),
      appointment('d', 60, 90),
    ]);
    expect(Object.fromEntries(layout)).toEqual({
      a: { lane: 0, of: 2 },
      b: { lane: 1, of: 2 },
      c: { lane: 0, of: 2 },
      d: { lane: 0, of: 1 },
    });
  });

  it('shades the closed hours, whole closed days, and widens the grid for early openings', () => {
    const practice = { openingStart: 8 * 60, openingEnd: 18 * 60 + 30, openingDays: [1, 2, 3, 4, 5] };
    const hours = gridHours(practice);
    expect(hours).toEqual({ start: 420, end: 1200 });
    expect(closedSpans('2026-12-01', workingHoursOf(practice), hours)).toEqual([
      { from: 420, to: 480 },
      { from: 1110, to: 1200 },
    ]);
    expect(closedSpans('2026-12-05', workingHoursOf(practice), hours)).toEqual([{ from: 420, to: 1200 }]); // a Saturday
    expect(gridHours({ openingStart: 6 * 60 + 30, openingEnd: 21 * 60 + 15 })).toEqual({ start: 360, end: 1320 });

    // A practitioner with hours of their own: Tuesday to Thursday 10:00–14:30, and Saturday mornings when the
    // practice is closed. Their column follows their hours; others keep the practice's.
    const weber = { workingHours: { start: 10 * 60, end: 14 * 60 + 30, days: [2, 3, 4, 6] } };
    const lind = { workingHours: null };
    expect(closedSpans('2026-12-01', workingHoursOf(practice, weber), hours)).toEqual([
      { from: 420, to: 600 },
      { from: 870, to: 1200 },
    ]);
    expect(closedSpans('2026-11-30', workingHoursOf(practice, weber), hours)).toEqual([{ from: 420, to: 1200 }]); // Monday: off
    expect(closedSpans('2026-12-05', workingHoursOf(practice, weber), hours)).toHaveLength(2); // Saturday: works
    expect(closedSpans('2026-12-01', workingHoursOf(practice, lind), hours)).toEqual(
      closedSpans('2026-12-01', workingHoursOf(practice), hours),
    );
    // The grid widens for a practitioner who starts at 06:15.
    expect(gridHours(practice, [lind, { workingHours: { start: 375, end: 600, days: [1] } }])).toEqual({
      start: 360,
      end: 1200,
    });
  });

  it('names the column of appointments without a room, hides cancelled ones unless asked, and weekends', () => {
    const data = {
      practitioners: [{ id: 'p1', name: 'Dr. A', colour: '#000', tenantId: 'x', active: true }],
      rooms: [
        { id: 'r1', name: 'Room 1', active: true },
        { id: 'r2', name: 'Old room', active: false },
      ],
    } as unknown as PracticeData;
    const day = (date: string, appointments: Appointment[]): AgendaDay => ({
      date,
      from: 0,
      to: 1,
      columns: [],
      appointments,
      conflicts: [],
    });
    const options = {
      mode: 'day' as const,
      by: 'room' as const,
      filter: '',
      showCancelled: false,
      hideWeekends: false,
      dayTitle: (d: string) => d,
      noRoomTitle: 'No room',
    };
    const days = [day('2026-12-01', [appointment('a', 0, 1), appointment('b', 2, 3, { status: 'cancelled' })])];
    expect(columnsOf(days, data, options).map((c) => [c.title, c.appointments.map((a) => a.id)])).toEqual([
      ['Room 1', []],
      ['No room', ['a']],
    ]);
    expect(columnsOf(days, data, { ...options, showCancelled: true })[1]!.appointments).toHaveLength(2);
    const week = ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'];
    const weekDays = week.map((d) => day(d, []));
    expect(columnsOf(weekDays, data, { ...options, mode: 'week' })).toHaveLength(7);
    expect(columnsOf(weekDays, data, { ...options, mode: 'week', hideWeekends: true }).map((c) => c.key)).toEqual(
      week.slice(0, 5),
    );
  });

  it('warns before booking when no reminder can go any more', () => {
    const now = Date.UTC(2026, 11, 1, 10);
    const hours = (h: number) => now + h * 3_600_000;
    expect(reminderTooLate(hours(30), now, [1440])).toBeNull();
    expect(reminderTooLate(hours(20), now, [1440])).toBe(1440);
    expect(reminderTooLate(hours(20), now, [1440, 120])).toBeNull(); // the 2-hour one still goes
    expect(reminderTooLate(hours(1), now, [1440, 120])).toBe(120);
    expect(reminderTooLate(hours(1), now, [])).toBeNull();
  });
});
