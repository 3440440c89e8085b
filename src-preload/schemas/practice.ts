import { z } from 'zod';
import { practiceLogoSchema } from '../../protocol/primitives';
import { channelSchema, colourSchema, idSchema, requiredText, text } from './common';

export interface Practice {
  name: string;
  phone: string;
  timeZone: string;
  country: string;
  quietStart: number;
  quietEnd: number;
  birthdayMinute: number;
  birthdayEnabled: boolean;
  /** Opening hours, minutes after midnight in the practice's time zone. */
  openingStart: number;
  openingEnd: number;
  /** Open weekdays, ISO numbers (1 = Monday … 7 = Sunday), ascending. */
  openingDays: number[];
  /** The logo patients see on the guest page: a small PNG/JPEG/WebP data URL, '' for none. */
  logo: string;
}

const minuteOfDay = z.number().int().min(0).max(1439);

const weekdaysSchema = z
  .array(z.number().int().min(1).max(7))
  .min(1, { message: 'opening_days_required' })
  .max(7)
  .refine((days) => new Set(days).size === days.length, { message: 'opening_days_repeated' });

export const practiceUpdateSchema = z
  .object({
    name: text(120),
    phone: text(40),
    timeZone: z.string().refine(
      (zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'time_zone_invalid' },
    ),
    country: z.string().regex(/^[A-Z]{2}$/, { message: 'country_invalid' }),
    quietStart: minuteOfDay,
    quietEnd: minuteOfDay,
    birthdayMinute: minuteOfDay,
    birthdayEnabled: z.boolean(),
    openingStart: minuteOfDay,
    openingEnd: minuteOfDay,
    openingDays: weekdaysSchema,
    logo: practiceLogoSchema,
  })
  .partial()
  .strict()
  .refine((p) => p.openingStart === undefined || p.openingEnd === undefined || p.openingEnd > p.openingStart, {
    path: ['openingEnd'],
    message: 'opening_end_before_start',
  });

export interface Tenant {
  id: string;
  name: string;
  smsCredits: number;
}
export const tenantInputSchema = z
  .object({ name: requiredText(120), smsCredits: z.number().int().min(0).max(10_000_000) })
  .strict();

/** Hours of work: minutes after midnight in the practice's time zone, and the ISO weekdays (1 = Monday). */
export interface WorkingHours {
  start: number;
  end: number;
  days: number[];
}

export const workingHoursSchema = z
  .object({ start: minuteOfDay, end: minuteOfDay, days: weekdaysSchema })
  .strict()
  .refine((h) => h.end > h.start, { path: ['end'], message: 'opening_end_before_start' });

export interface Practitioner {
  id: string;
  name: string;
  colour: string;
  tenantId: string;
  /** Offered for new bookings; a deactivated one stays in the records. */
  active: boolean;
  /** Their own hours; null: the practice's opening hours. */
  workingHours: WorkingHours | null;
}
export const practitionerInputSchema = z
  .object({
    name: requiredText(120),
    colour: colourSchema,
    tenantId: idSchema,
    workingHours: workingHoursSchema.nullable().optional(),
  })
  .strict();

/** When a practitioner (or, without one, the practice) works: their own hours, else the opening hours. */
export function workingHoursOf(
  practice: Pick<Practice, 'openingStart' | 'openingEnd' | 'openingDays'>,
  practitioner?: Pick<Practitioner, 'workingHours'> | null,
): WorkingHours {
  return (
    practitioner?.workingHours ?? {
      start: practice.openingStart,
      end: practice.openingEnd,
      days: practice.openingDays,
    }
  );
}

export interface Room {
  id: string;
  name: string;
  active: boolean;
}
export const roomInputSchema = z.object({ name: requiredText(120) }).strict();

export const reminderRuleSchema = z
  .object({
    /** How long before the appointment, in minutes (up to 30 days). */
    offsetMinutes: z.number().int().min(15).max(43_200),
    channel: z.union([channelSchema, z.literal('preferred')]),
  })
  .strict();
export type ReminderRule = z.infer<typeof reminderRuleSchema>;

export interface AppointmentType {
  id: string;
  name: string;
  colour: string;
  durationMin: number;
  isVideo: boolean;
  reminderRules: ReminderRule[];
  confirmOnBooking: boolean;
  active: boolean;
}
export const appointmentTypeInputSchema = z
  .object({
    name: requiredText(120),
    colour: colourSchema,
    durationMin: z.number().int().min(5).max(720),
    isVideo: z.boolean(),
    reminderRules: z.array(reminderRuleSchema).max(5),
    confirmOnBooking: z.boolean(),
  })
  .strict();

/** Deactivates (or activates again) a practitioner, room or appointment type. */
export const setActiveSchema = z.object({ id: idSchema, active: z.boolean() }).strict();

export const withId = <T extends z.ZodRawShape>(schema: z.ZodObject<T>) =>
  schema.partial().extend({ id: idSchema }).strict();
