import { z } from 'zod';
import { idSchema, instantSchema, isoDateSchema, optional, text } from './common';
import type { Message } from './messages';

export const APPOINTMENT_STATUSES = ['booked', 'confirmed', 'arrived', 'done', 'cancelled', 'no_show'] as const;
export const appointmentStatusSchema = z.enum(APPOINTMENT_STATUSES);
export type AppointmentStatus = z.infer<typeof appointmentStatusSchema>;

export interface Appointment {
  id: string;
  patientId: string | null;
  patientName: string | null;
  practitionerId: string;
  roomId: string | null;
  typeId: string;
  typeName: string;
  colour: string;
  tenantId: string;
  startAt: number;
  endAt: number;
  status: AppointmentStatus;
  notes: string;
  /** The next reminder still to go out, if any. */
  reminderAt: number | null;
}

const endAfterStart = (a: { startAt?: number; endAt?: number | null }, ctx: z.RefinementCtx) => {
  if (a.startAt !== undefined && a.endAt != null && a.endAt <= a.startAt) {
    ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'end_before_start' });
  }
};

export const bookSchema = z
  .object({
    patientId: optional(idSchema),
    practitionerId: idSchema,
    roomId: optional(idSchema),
    typeId: idSchema,
    startAt: instantSchema,
    /** Defaults to start + the type's duration. */
    endAt: optional(instantSchema).default(null),
    notes: text(2000).default(''),
    allowOverlap: z.boolean().default(false),
    sendConfirmation: z.boolean().default(false),
  })
  .strict()
  .superRefine(endAfterStart);

/** Asked when moving an appointment whose reminder is already prepared: prepare one for the new time, or not. */
export const reminderDecisionSchema = z.enum(['reschedule', 'drop']);

export const moveSchema = z
  .object({
    id: idSchema,
    startAt: instantSchema,
    endAt: optional(instantSchema).default(null),
    practitionerId: idSchema.optional(),
    roomId: optional(idSchema).optional(),
    allowOverlap: z.boolean().default(false),
    reminder: reminderDecisionSchema.optional(),
  })
  .strict()
  .superRefine(endAfterStart);

export const copySchema = z
  .object({
    id: idSchema,
    startAt: instantSchema,
    practitionerId: idSchema.optional(),
    allowOverlap: z.boolean().default(false),
  })
  .strict();

/** Changes what an appointment is about; its time and practitioner change by `move`. */
export const updateSchema = z
  .object({
    id: idSchema,
    patientId: optional(idSchema).optional(),
    typeId: idSchema.optional(),
    roomId: optional(idSchema).optional(),
    notes: text(2000).optional(),
  })
  .strict();

export const setStatusSchema = z.object({ id: idSchema, status: appointmentStatusSchema }).strict();

export const agendaQuerySchema = z
  .object({ date: isoDateSchema, by: z.enum(['practitioner', 'room']).default('practitioner') })
  .strict();

export type BookResult =
  | { kind: 'done'; appointment: Appointment; messages: Message[] }
  | { kind: 'decision'; decision: 'confirm_overlap'; conflicts: Appointment[] }
  | { kind: 'decision'; decision: 'reschedule_reminder'; reminders: Message[] };

export interface AgendaColumn {
  id: string;
  name: string;
  colour: string | null;
}

export interface AgendaDay {
  date: string;
  /** Instants bounding the local day in the practice's time zone. */
  from: number;
  to: number;
  columns: AgendaColumn[];
  appointments: Appointment[];
  /**
   * Appointments that overlap another active one of the same practitioner: booked on two workstations at
   * once while offline, or kept on purpose. Marked in the agenda until one is moved or cancelled.
   */
  conflicts: string[];
}
