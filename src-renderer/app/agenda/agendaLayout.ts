/**
 * What the agenda grid shows, computed without React: its columns (per practitioner, room or day), the
 * side-by-side lanes of overlapping appointments, the calendar week, opening hours, and where a minute sits
 * at the chosen zoom. Tested in unit tests; the view only draws it.
 */
import type {
  AgendaDay,
  Appointment,
  AppointmentStatus,
  Practice,
  Practitioner,
  WorkingHours,
} from '../../../src-preload/contract';
import { isoWeekday } from '../../../protocol/messaging/timeZone';
import type { PracticeData } from '../store';

/**
 * The grid's hours: from 07:00 to 20:00, or wider when the practice opens earlier or closes later, or a
 * practitioner starts earlier or works later.
 */
export function gridHours(
  practice: Pick<Practice, 'openingStart' | 'openingEnd'>,
  practitioners: readonly Pick<Practitioner, 'workingHours'>[] = [],
): { start: number; end: number } {
  const own = practitioners.flatMap((p) => (p.workingHours ? [p.workingHours] : []));
  const earliest = Math.min(practice.openingStart, ...own.map((h) => h.start));
  const latest = Math.max(practice.openingEnd, ...own.map((h) => h.end));
  return {
    start: Math.min(7 * 60, Math.floor(earliest / 60) * 60),
    end: Math.max(20 * 60, Math.ceil(latest / 60) * 60),
  };
}

/** Zoom levels in pixels per minute: 1.5 keeps a 20-minute appointment's name on one readable line. */
export const ZOOMS = [1.5, 2, 3] as const;
export type Zoom = (typeof ZOOMS)[number];

export type Mode = 'day' | 'week';
export type By = 'practitioner' | 'room';

export interface Column {
  key: string;
  title: string;
  date: string;
  practitionerId?: string;
  roomId?: string | null;
  appointments: Appointment[];
}

/** The states shown with an icon, in the order of a visit (the legend's order). */
export const STATUS_ORDER: readonly AppointmentStatus[] = [
  'booked',
  'confirmed',
  'arrived',
  'in_treatment',
  'done',
  'no_show',
  'cancelled',
];

/** One glyph per state, drawn beside the time; never colour alone (the legend names them). */
export const STATUS_ICON: Record<AppointmentStatus, string> = {
  booked: '○',
  confirmed: '✓',
  arrived: '⌂',
  in_treatment: '▶',
  done: '●',
  no_show: '✗',
  cancelled: '⊘',
};

/** Side-by-side lanes for appointments that overlap within one column. */
export function lanes(appointments: readonly Appointment[]): Map<string, { lane: number; of: number }> {
  const sorted = [...appointments].sort((a, b) => a.startAt - b.startAt);
  const result = new Map<string, { lane: number; of: number }>();
  let cluster: Appointment[] = [];
  let clusterEnd = 0;
  let ends: number[] = [];
  const close = () => {
    for (const a of cluster) result.get(a.id)!.of = ends.length;
    cluster = [];
    ends = [];
  };
  for (const a of sorted) {
    if (a.startAt >= clusterEnd) close();
    let lane = ends.findIndex((end) => end <= a.startAt);
    if (lane === -1) lane = ends.push(a.endAt) - 1;
    else ends[lane] = a.endAt;
    result.set(a.id, { lane, of: 1 });
    cluster.push(a);
    clusterEnd = Math.max(clusterEnd, a.endAt);
  }
  close();
  return result;
}

export interface ColumnOptions {
  mode: Mode;
  by: By;
  /** A practitioner's id in the week view, or '' for all. */
  filter: string;
  showCancelled: boolean;
  hideWeekends: boolean;
  /** The column title of a day in the week view, and of appointments without a room. */
  dayTitle: (date: string) => string;
  noRoomTitle: string;
}

export { isoWeekday };

/** The ISO 8601 calendar week of a date (week 1 holds the year's first Thursday). */
export function isoWeek(date: string): number {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 4 - isoWeekday(date)); // the Thursday of this week decides the year
  const firstOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - firstOfYear) / 86_400_000 / 7) + 1;
}

export function columnsOf(days: readonly AgendaDay[], data: PracticeData, options: ColumnOptions): Column[] {
  const shown = (a: Appointment) => options.showCancelled || a.status !== 'cancelled';
  if (options.mode === 'week') {
    return days
      .filter((day) => !options.hideWeekends || isoWeekday(day.date) <= 5)
      .map((day) => ({
        key: day.date,
        title: options.dayTitle(day.date),
        date: day.date,
        practitionerId: options.filter || undefined,
        appointments: day.appointments.filter(
          (a) => shown(a) && (!options.filter || a.practitionerId === options.filter),
        ),
      }));
  }
  const day = days[0];
  if (!day) return [];
  // A deactivated practitioner or room keeps a column only on days that still have their appointments.
  const present = (key: 'practitionerId' | 'roomId', id: string) => day.appointments.some((a) => a[key] === id);
  if (options.by === 'practitioner') {
    return data.practitioners
      .filter((p) => p.active || present('practitionerId', p.id))
      .map((p) => ({
        key: p.id,
        title: p.name,
        date: day.date,
        practitionerId: p.id,
        appointments: day.appointments.filter((a) => shown(a) && a.practitionerId === p.id),
      }));
  }
  const rooms: Column[] = data.rooms
    .filter((r) => r.active || present('roomId', r.id))
    .map((r) => ({
      key: r.id,
      title: r.name,
      date: day.date,
      roomId: r.id,
      appointments: day.appointments.filter((a) => shown(a) && a.roomId === r.id),
    }));
  const roomless = day.appointments.filter((a) => shown(a) && a.roomId === null);
  // Appointments without a room get a named column ("No room"), never a bare dash.
  return roomless.length > 0
    ? [...rooms, { key: 'none', title: options.noRoomTitle, date: day.date, roomId: null, appointments: roomless }]
    : rooms;
}

/**
 * Closed stretches of a day column, in minutes: before work starts, after it ends, or all day on a day off —
 * by the column's practitioner's working hours, or the practice's opening hours (see `workingHoursOf`).
 */
export function closedSpans(
  date: string,
  work: WorkingHours,
  hours: { start: number; end: number },
): { from: number; to: number }[] {
  if (!work.days.includes(isoWeekday(date))) return [{ from: hours.start, to: hours.end }];
  const spans: { from: number; to: number }[] = [];
  if (work.start > hours.start) spans.push({ from: hours.start, to: work.start });
  if (work.end < hours.end) spans.push({ from: work.end, to: hours.end });
  return spans;
}

/**
 * Whether a booking at `startAt` comes too late for every reminder its type plans: the latest rule's time has
 * passed, so no reminder will go. Returns that rule's lead in minutes (the booking dialog says "no reminder:
 * less than 24 h ahead" before the user books), or null when a reminder will go or none is planned.
 */
export function reminderTooLate(startAt: number, now: number, offsets: readonly number[]): number | null {
  if (offsets.length === 0) return null;
  const shortest = Math.min(...offsets);
  return startAt - shortest * 60_000 <= now ? shortest : null;
}
