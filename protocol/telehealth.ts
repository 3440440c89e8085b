/**
 * Telehealth Pro (issue 12): video minutes per practitioner, metered by the server from its own call
 * records; 60 trial minutes once per account; the add-on's 2,000 minutes per month per colleague who has
 * it, charged pro rata for the rest of the current period (to the day, half up to the minor unit) and in
 * full from the next renewal. An organisation's admin chooses per colleague.
 */
import { z } from 'zod';
import { currencySchema } from './credits';
import { instantSchema } from './primitives';
import { route } from './route';
import { idempotencyKeySchema } from './billing';

export const ADDON_BLOCKS = ['trial', 'apple', 'managed', 'no_card'] as const;

export const usageSchema = z.object({
  /** Of the 60 minutes every account has once. */
  trialMinutesLeft: z.number().int().min(0),
  /** The add-on's minutes in this period (0 without it). */
  includedMinutes: z.number().int().min(0),
  /** Minutes used in this period under the add-on. */
  usedMinutes: z.number().int().min(0),
  /** What is left to start consultations with: the add-on's rest and the trial's. */
  remainingMinutes: z.number().int().min(0),
  /** Minutes of calls that ran on after nothing was left (calls are never cut). */
  overrunMinutes: z.number().int().min(0),
  /** When the add-on's minutes start again (its period end), or null without it. */
  resetsAt: instantSchema.nullable(),
  addOn: z.boolean(),
  /** A removed add-on stays until this date. */
  addOnEndsAt: instantSchema.nullable(),
  /** Why the add-on cannot be added here (a trial, Apple billing, managed by someone else), or null. */
  blocked: z.enum(ADDON_BLOCKS).nullable(),
  managedBy: z.object({ name: z.string() }).nullable(),
  /** The add-on's price per colleague and month, and what adding it now costs for the rest of the period. */
  priceMinor: z.number().int().min(0),
  proratedMinor: z.number().int().min(0).nullable(),
  currency: currencySchema,
});
export type TelehealthUsage = z.infer<typeof usageSchema>;

export const memberUsageSchema = z.object({
  id: z.string(),
  name: z.string(),
  addOn: z.boolean(),
  addOnEndsAt: instantSchema.nullable(),
  usedMinutes: z.number().int().min(0),
  remainingMinutes: z.number().int().min(0),
  trialMinutesLeft: z.number().int().min(0),
});
export type MemberUsage = z.infer<typeof memberUsageSchema>;

export const telehealthRoutes = {
  usage: route('GET', '/api/telehealth/usage', { answer: usageSchema }),
  addAddOn: route('POST', '/api/telehealth/addon', {
    body: z.object({ idempotencyKey: idempotencyKeySchema }).strict(),
    answer: usageSchema,
  }),
  /** The add-on stays until the period end; it is not renewed. */
  removeAddOn: route('DELETE', '/api/telehealth/addon', { answer: usageSchema }),
  /** The organisation's usage table (admins). */
  members: route('GET', '/api/telehealth/members', { answer: z.object({ members: z.array(memberUsageSchema) }) }),
  setMember: route('PUT', '/api/telehealth/members/:id', {
    params: z.object({ id: z.uuid({ message: 'id_invalid' }) }).strict(),
    body: z.object({ addOn: z.boolean(), idempotencyKey: idempotencyKeySchema }).strict(),
    answer: memberUsageSchema,
  }),
};
