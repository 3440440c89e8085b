import { z } from 'zod';
import { channelSchema, idSchema, instantSchema, isoDateSchema, optional, requiredText, text } from './common';
import { languageSchema } from './language';

export const MESSAGE_KINDS = ['reminder', 'confirmation', 'recall', 'birthday', 'free_text'] as const;
export const messageKindSchema = z.enum(MESSAGE_KINDS);
export type MessageKind = z.infer<typeof messageKindSchema>;
/**
 * queued → sending → sent → delivered / failed / expired / held, as the server sends (issue 10).
 * `skipped`: planned by a rule but not sendable (a missing placeholder value, no allowed time before the
 * appointment, a birthday after the quiet hours began); `error` says why, and it is never sent.
 */
export const MESSAGE_STATUSES = [
  'draft',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'failed',
  'expired',
  'held',
  'cancelled',
  'skipped',
] as const;
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

/** Every placeholder a template or message can use; which ones a message may use depends on its kind. */
export const PLACEHOLDERS = [
  'patient.firstName',
  'patient.lastName',
  'patient.fullName',
  'patient.salutation',
  'appointment.date',
  'appointment.time',
  'appointment.weekday',
  'appointment.type',
  'practitioner.name',
  'practice.name',
  'practice.phone',
  'recall.reason',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PATIENT = ['patient.firstName', 'patient.lastName', 'patient.fullName', 'patient.salutation'] as const;
const APPOINTMENT = ['appointment.date', 'appointment.time', 'appointment.weekday', 'appointment.type'] as const;
const PRACTICE = ['practice.name', 'practice.phone'] as const;

/**
 * The placeholders that have a value for a message of this kind: an appointment's only for reminders and
 * confirmations, the recall reason only for recalls, the patient's only when the message goes to a patient
 * (free text to a typed number or address has only the practice's).
 */
export function placeholdersFor(kind: MessageKind, toPatient = true): readonly Placeholder[] {
  switch (kind) {
    case 'reminder':
    case 'confirmation':
      return [...PATIENT, ...APPOINTMENT, 'practitioner.name', ...PRACTICE];
    case 'recall':
      return [...PATIENT, 'recall.reason', ...PRACTICE];
    case 'birthday':
      return [...PATIENT, ...PRACTICE];
    case 'free_text':
      return toPatient ? [...PATIENT, ...PRACTICE] : [...PRACTICE];
  }
}

/** A placeholder a text cannot be filled in with: unknown for its kind, or without a value (an empty practice name). */
export interface PlaceholderProblem {
  code: 'placeholder_unknown' | 'placeholder_missing';
  placeholder: string;
}

export interface Message {
  id: string;
  kind: MessageKind;
  channel: 'sms' | 'email';
  recipient: string;
  subject: string;
  body: string;
  scheduledAt: number;
  segments: number;
  credits: number;
  status: MessageStatus;
  createdAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  failedAt: number | null;
  cancelledAt: number | null;
  error: string | null;
  patientId: string | null;
  patientName: string | null;
  appointmentId: string | null;
  recallId: string | null;
}

export interface SmsPreview {
  text: string;
  encoding: 'gsm7' | 'ucs2';
  units: number;
  segments: number;
  remaining: number;
  credits: number;
  /** Placeholders that cannot be filled in: such a text is refused when stored. */
  problems: PlaceholderProblem[];
}

export const previewSchema = z
  .object({
    channel: channelSchema,
    /** Which placeholders apply; templates are previewed with sample values, free text with real ones. */
    kind: messageKindSchema.default('free_text'),
    body: text(5000),
    subject: text(200).default(''),
    language: languageSchema.optional(),
    patientId: optional(idSchema).optional(),
    appointmentId: optional(idSchema).optional(),
  })
  .strict();

export const composeSchema = z
  .object({
    channel: channelSchema,
    /** A patient from the records, or any valid number/address in `recipient`. */
    patientId: optional(idSchema).default(null),
    recipient: optional(text(254)).default(null),
    subject: text(200).default(''),
    body: requiredText(1600),
    /** Now when absent. */
    scheduledAt: optional(instantSchema).default(null),
    /** The tenant that pays (an SMS's credits); the practice's default tenant when absent. */
    tenantId: optional(idSchema).default(null),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.patientId && !m.recipient)
      ctx.addIssue({ code: 'custom', path: ['recipient'], message: 'recipient_required' });
  });

export const messageListSchema = z
  .object({
    statuses: z.array(messageStatusSchema).max(MESSAGE_STATUSES.length).default([]),
    kinds: z.array(messageKindSchema).max(5).default([]),
    limit: z.number().int().min(1).max(500).default(200),
    /** One patient's messages (the patient page). */
    patientId: idSchema.optional(),
  })
  .strict();

export interface Recall {
  id: string;
  patientId: string;
  patientName: string;
  dueDate: string;
  reason: string;
  status: 'open' | 'sent' | 'done' | 'cancelled';
}
export const recallCreateSchema = z
  .object({ patientId: idSchema, dueDate: isoDateSchema, reason: requiredText(300) })
  .strict();
export const recallStatusSchema = z.object({ id: idSchema, status: z.enum(['open', 'done', 'cancelled']) }).strict();

export interface Template {
  id: string;
  kind: MessageKind;
  channel: 'sms' | 'email';
  language: z.infer<typeof languageSchema>;
  subject: string;
  body: string;
}
export const templateSaveSchema = z
  .object({
    kind: messageKindSchema,
    channel: channelSchema,
    language: languageSchema,
    subject: text(200).default(''),
    body: requiredText(1600),
  })
  .strict();

export interface RunResult {
  created: number;
}
