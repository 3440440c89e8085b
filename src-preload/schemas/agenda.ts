import { z } from 'zod';
import { idSchema, instantSchema, isoDateSchema, optional, text } from './common';
import type { Message } from './messages';

export const APPOINTMENT_STATUSES = [
  'booked',
  'confirmed',
  'arrived',
  'in_treatment',
  'done',
  'cancelled',
  'no_show',
] as const;
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
  /** The patient's mobile number (E.164), for the front desk's day list. */
  patientPhone: string | null;
  /** Why it was cancelled ('' when not cancelled or no reason given). */
  cancelReason: string;
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

/**
 * Cancels: the reason is kept (the agenda shows cancelled appointments struck through), pending messages
 * are withdrawn, and the patient may be told at once (a text the user has seen, sent on the chosen channel).
 */
export const cancelSchema = z
  .object({
    id: idSchema,
    reason: text(300).default(''),
    notice: z
      .object({ channel: z.enum(['sms', 'email']), subject: text(200).default(''), body: text(2000) })
      .strict()
      .optional(),
  })
  .strict();

export interface CancelResult {
  appointment: Appointment;
  /** What "undo" needs: the state before, the messages withdrawn (with their status), the notice sent. */
  undo: {
    id: string;
    status: AppointmentStatus;
    restore: { id: string; status: 'draft' | 'scheduled' | 'queued' }[];
    noticeId: string | null;
  };
}

export const undoCancelSchema = z
  .object({
    id: idSchema,
    status: appointmentStatusSchema.refine((s) => s !== 'cancelled', { message: 'status_invalid' }),
    restore: z.array(z.object({ id: idSchema, status: z.enum(['draft', 'scheduled', 'queued']) }).strict()).max(50),
    noticeId: optional(idSchema),
  })
  .strict();

export interface UndoCancelResult {
  appointment: Appointment;
  /** The patient's cancellation notice had already gone out: undoing cannot take it back. */
  noticeSent: boolean;
}

/** The next free times of a practitioner for an appointment type, within the opening hours. */
export const nextFreeSchema = z
  .object({
    practitionerId: idSchema,
    typeId: idSchema,
    after: instantSchema,
    count: z.number().int().min(1).max(20).default(5),
  })
  .strict();

export interface FreeSlot {
  startAt: number;
  endAt: number;
}

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
