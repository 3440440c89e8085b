/** Video calls as the contract sees them: the device's call log, patient invitations, socket tickets. */
import { z } from 'zod';
import { instantSchema, text } from './common';

import { CALL_DIRECTIONS, CALL_KINDS, CALL_STATUSES } from '../../protocol/calls';

export { CALL_DIRECTIONS, CALL_KINDS, CALL_STATUSES };

export const callLogAddSchema = z
  .object({
    direction: z.enum(CALL_DIRECTIONS),
    peerName: text(120),
    kind: z.enum(CALL_KINDS),
    status: z.enum(CALL_STATUSES),
    startedAt: instantSchema,
    answeredAt: instantSchema.nullable(),
    endedAt: instantSchema.nullable(),
  })
  .strict()
  .refine((e) => e.answeredAt === null || e.answeredAt >= e.startedAt, {
    path: ['answeredAt'],
    message: 'end_before_start',
  })
  .refine((e) => e.endedAt === null || e.endedAt >= (e.answeredAt ?? e.startedAt), {
    path: ['endedAt'],
    message: 'end_before_start',
  });

export const callLogFilterSchema = z
  .object({
    direction: z.enum(CALL_DIRECTIONS).optional(),
    kind: z.enum(CALL_KINDS).optional(),
    status: z.enum(CALL_STATUSES).optional(),
    search: text(120).optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

export interface CallLogEntry {
  id: string;
  direction: (typeof CALL_DIRECTIONS)[number];
  peerName: string;
  kind: (typeof CALL_KINDS)[number];
  status: (typeof CALL_STATUSES)[number];
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** Seconds from answer to end; 0 for calls that never connected. */
  durationS: number;
}

export const invitationCreateSchema = z
  .object({
    label: text(120).default(''),
    appointmentAt: instantSchema.optional(),
    email: z.preprocess((v) => (v === '' ? undefined : v), z.email({ message: 'email_invalid' }).max(254).optional()),
    phone: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().trim().min(3, { message: 'phone_invalid' }).max(40).optional(),
    ),
  })
  .strict();

export interface GuestInvitation {
  id: string;
  link: string;
  code: string;
  expiresAt: number;
}

export const notifySchema = z
  .object({
    kind: z.enum(['incoming', 'knock', 'missed']),
    name: text(120),
  })
  .strict();
