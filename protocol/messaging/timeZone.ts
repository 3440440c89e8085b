/** Practice-time arithmetic: the agenda and the message rules think in the practice's time zone. */
import { TZDate } from '@date-fns/tz';

export const isValidTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** 'YYYY-MM-DD' of the instant in the zone. */
export function localDate(at: number, zone: string): string {
  const d = new TZDate(at, zone);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Minutes after local midnight of the instant in the zone. */
export function localMinute(at: number, zone: string): number {
  const d = new TZDate(at, zone);
  return d.getHours() * 60 + d.getMinutes();
}

/** The instant of `minute` minutes after midnight on the local date (DST-safe: wall clock in the zone). */
export function atLocal(date: string, minute: number, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new TZDate(y, m - 1, d, Math.floor(minute / 60), minute % 60, zone).getTime();
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + days));
  return next.toISOString().slice(0, 10);
}

/** ISO weekday of a calendar date (1 = Monday … 7 = Sunday); the date alone decides, not a time zone. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** Monday of the ISO week of `date`. */
export function weekStart(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}
