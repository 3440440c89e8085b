import { z } from 'zod';
import { channelSchema, idSchema, instantSchema, isoDateSchema, optional, requiredText, text } from './common';
import { languageSchema } from './language';

export const MESSAGE_KINDS = ['reminder', 'confirmation', 'recall', 'birthday', 'free_text'] as const;
export const messageKindSchema = z.enum(MESSAGE_KINDS);
export type MessageKind = z.infer<typeof messageKindSchema>;
export const MESSAGE_STATUSES = ['draft', 'scheduled', 'queued', 'sent', 'delivered', 'failed', 'cancelled'] as const;
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

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
}

export const previewSchema = z
  .object({
    channel: channelSchema,
    body: text(5000),
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
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.patientId && !m.recipient)
      ctx.addIssue({ code: 'custom', path: ['recipient'], message: 'recipient_required' });
  });

export const messageListSchema = z
  .object({
    statuses: z.array(messageStatusSchema).max(7).default([]),
    kinds: z.array(messageKindSchema).max(5).default([]),
    limit: z.number().int().min(1).max(500).default(200),
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
