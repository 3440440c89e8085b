/**
 * The front desk's day, without React: appointments in the order of the day, grouped by where the patient
 * is (expected, arrived, in treatment, done, no-show; cancelled ones apart), with the next step each may
 * take in one click.
 */
import type { Appointment, AppointmentStatus } from '../../../src-preload/contract';

export const STAGES = ['expected', 'arrived', 'in_treatment', 'done', 'no_show'] as const;
export type Stage = (typeof STAGES)[number];

export function stageOf(status: AppointmentStatus): Stage | null {
  switch (status) {
    case 'booked':
    case 'confirmed':
      return 'expected';
    case 'arrived':
    case 'in_treatment':
    case 'done':
    case 'no_show':
      return status;
    case 'cancelled':
      return null;
  }
}

/** The one-click steps from a state: forward through the visit, and back one step when clicked by mistake. */
export function nextSteps(status: AppointmentStatus): AppointmentStatus[] {
  switch (status) {
    case 'booked':
    case 'confirmed':
      return ['arrived', 'no_show'];
    case 'arrived':
      return ['in_treatment', 'done'];
    case 'in_treatment':
      return ['done'];
    case 'done':
      return ['in_treatment'];
    case 'no_show':
      return ['arrived'];
    case 'cancelled':
      return [];
  }
}

export interface DayList {
  rows: Appointment[];
  counts: Record<Stage, number>;
  /** Every appointment of the day that is not cancelled, whatever the stage filter. */
  total: number;
}

/** One practitioner's day (or everyone's: `practitionerId` ''), the stage filter applied, by time. */
export function dayList(appointments: readonly Appointment[], practitionerId: string, stage: Stage | ''): DayList {
  const mine = appointments
    .filter((a) => a.status !== 'cancelled' && (!practitionerId || a.practitionerId === practitionerId))
    .sort((a, b) => a.startAt - b.startAt || a.id.localeCompare(b.id));
  const counts = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (const a of mine) counts[stageOf(a.status)!] += 1;
  return { rows: stage ? mine.filter((a) => stageOf(a.status) === stage) : mine, counts, total: mine.length };
}
