import { z } from 'zod';
import { languageSchema } from './language';
import { idSchema, isoDateSchema, optional, requiredText, text } from './common';

export const patientChannelSchema = z.enum(['sms', 'email', 'none']);
/** "Frau/Herr Berg", or the full name (neutral). */
export const salutationSchema = z.enum(['neutral', 'female', 'male']);
export type Salutation = z.infer<typeof salutationSchema>;

export interface Patient {
  id: string;
  firstName: string;
  lastName: string;
  birthDate: string | null;
  mobile: string | null;
  email: string | null;
  language: z.infer<typeof languageSchema>;
  channel: z.infer<typeof patientChannelSchema>;
  optOutSms: boolean;
  optOutEmail: boolean;
  notes: string;
  salutation: Salutation;
}

const fields = {
  firstName: requiredText(100),
  lastName: requiredText(100),
  birthDate: optional(
    isoDateSchema.refine((date) => date >= '1900-01-01' && date <= new Date().toISOString().slice(0, 10), {
      message: 'birth_date_invalid',
    }),
  ),
  /** Checked and turned into E.164 by the main process (it knows the practice's country). */
  mobile: optional(text(40)),
  email: optional(z.email({ message: 'email_invalid' }).max(254)),
  language: languageSchema,
  channel: patientChannelSchema,
  optOutSms: z.boolean(),
  optOutEmail: z.boolean(),
  notes: text(5000),
  salutation: salutationSchema.default('neutral'),
};

/** The chosen channel needs its address. */
const channelNeedsAddress = (
  p: { channel?: string; mobile?: string | null; email?: string | null },
  ctx: z.RefinementCtx,
) => {
  if (p.channel === 'sms' && !p.mobile)
    ctx.addIssue({ code: 'custom', path: ['mobile'], message: 'mobile_required_for_sms' });
  if (p.channel === 'email' && !p.email)
    ctx.addIssue({ code: 'custom', path: ['email'], message: 'email_required_for_email' });
};

export const patientCreateSchema = z.object(fields).strict().superRefine(channelNeedsAddress);
export const patientUpdateSchema = z
  .object({ ...fields, salutation: salutationSchema })
  .partial()
  .extend({ id: idSchema })
  .strict();

export const patientSearchSchema = z
  .object({ query: text(100), limit: z.number().int().min(1).max(200).default(50) })
  .strict();
