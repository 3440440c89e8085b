/** Days the agenda tests book on: far enough ahead for a 24-hour reminder, on a weekday. */
import { localParts, shiftDate } from '../../src-renderer/app/time';

/** A Wednesday at least two weeks ahead, in the practice's time zone. */
export function targetDay(zone: string): string {
  let date = shiftDate(localParts(Date.now(), zone).date, 14);
  while (new Date(`${date}T12:00:00Z`).getUTCDay() !== 3) date = shiftDate(date, 1);
  return date;
}
