/**
 * No SMS in the night: a message planned inside the quiet period (default 20:00–08:00 practice time) moves
 * to the end of it. E-mail is not affected.
 */
import { addDays, atLocal, localDate, localMinute } from './timeZone';

export interface QuietHours {
  /** Minutes after midnight; start > end means the period spans midnight. */
  start: number;
  end: number;
  timeZone: string;
}

export function isQuiet(at: number, quiet: QuietHours): boolean {
  if (quiet.start === quiet.end) return false;
  const minute = localMinute(at, quiet.timeZone);
  return quiet.start < quiet.end
    ? minute >= quiet.start && minute < quiet.end
    : minute >= quiet.start || minute < quiet.end;
}

export function outsideQuietHours(at: number, quiet: QuietHours): number {
  if (!isQuiet(at, quiet)) return at;
  const date = localDate(at, quiet.timeZone);
  const minute = localMinute(at, quiet.timeZone);
  // Spanning midnight and already past the start: the period ends tomorrow morning.
  const endDate = quiet.start > quiet.end && minute >= quiet.start ? addDays(date, 1) : date;
  return atLocal(endDate, quiet.end, quiet.timeZone);
}

/**
 * The last allowed minute before the quiet period that `at` falls into (the evening before, for the default
 * 20:00–08:00): where a reminder goes when the end of the quiet period would be too late for the appointment.
 */
export function beforeQuietHours(at: number, quiet: QuietHours): number {
  if (!isQuiet(at, quiet)) return at;
  const date = localDate(at, quiet.timeZone);
  const minute = localMinute(at, quiet.timeZone);
  // Spanning midnight and already past midnight: the period began yesterday evening.
  const startDate = quiet.start > quiet.end && minute < quiet.end ? addDays(date, -1) : date;
  return atLocal(startDate, quiet.start, quiet.timeZone) - 60_000;
}
