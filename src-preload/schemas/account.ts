/**
 * Accounts on the ClinicDesk server, as the desktop sees them: sign-up, the registration wizard, sign-in
 * with SMS two-factor, profile, account settings, contract, organisation admin and contacts. The main
 * process talks to the server; the renderer only names what it wants.
 */
import { z } from 'zod';
import { profileEditSchema, type registrationInfoSchema, type AccountProfile } from '../../protocol/accounts';
import { chosenPinSchema, passwordSchema, usernameSchema } from '../../protocol/primitives';
import { idSchema, instantSchema, text } from './common';
import { languageSchema } from './language';

export { PASSWORD_RULES, REGISTRATION_STEPS, type PasswordRule, type RegistrationStep } from '../../protocol/accounts';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'email_invalid' }).max(254));
export { usernameSchema };
// One schema on both sides of the server boundary: the desktop checks what the server checks.
export { passwordSchema, profileEditSchema };
export const smsCodeSchema = z
  .string()
  .trim()
  .regex(/^\d{8}$/, { message: 'code_invalid' });
export const organisationCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{4}-?[A-Z0-9]{4}$/, { message: 'organisation_code_invalid' });

export const signUpSchema = z
  .object({
    email: emailSchema,
    /** The organisation's ID, when joining one; empty for an individual account. */
    organisationCode: z.preprocess((v) => (v === '' ? undefined : v), organisationCodeSchema.optional()),
  })
  .strict();

/** A pasted or opened link: clinicdesk://register?token=…, https://server/register/…, or the bare token. */
export const linkSchema = z.object({ link: z.string().trim().min(1, { message: 'required' }).max(2048) }).strict();

export const registerSchema = z
  .object({
    token: z.string().regex(/^[A-Za-z0-9_-]{40,64}$/, { message: 'link_invalid' }),
    username: usernameSchema,
    password: passwordSchema,
  })
  .strict();

export const signInSchema = z
  .object({ username: z.string().trim().min(1, { message: 'required' }).max(40), password: passwordSchema })
  .strict();

export const twoFactorStartSchema = z
  .object({
    phone: z.string().trim().min(3, { message: 'phone_invalid' }).max(40),
    country: z.string().regex(/^[A-Z]{2}$/, { message: 'country_invalid' }),
    /** Changing the number while two-factor is on asks for the password. */
    password: z.string().min(1, { message: 'required' }).max(256).optional(),
  })
  .strict();

export const passwordChangeSchema = z
  .object({ current: passwordSchema, password: passwordSchema, repeat: passwordSchema })
  .strict()
  .refine((v) => v.password === v.repeat, { path: ['repeat'], message: 'password_mismatch' });

const deviceId = z.string().max(200).nullable();
export const accountSettingsEditSchema = z
  .object({
    language: languageSchema.optional(),
    searchable: z.boolean().optional(),
    autoDownload: z.boolean().optional(),
    autoAnswer: z.boolean().optional(),
    mute: z.boolean().optional(),
    patientConsent: z.boolean().optional(),
    microphoneId: deviceId.optional(),
    cameraId: deviceId.optional(),
    network: z
      .object({ participating: z.boolean(), acceptTerms: z.string().max(40).optional() })
      .strict()
      .optional(),
  })
  .strict();

export const organisationNameSchema = z
  .object({ name: z.string().trim().min(1, { message: 'required' }).max(120) })
  .strict();

export const inviteSchema = z
  .object({
    email: emailSchema,
    name: text(120).default(''),
    language: languageSchema,
    role: z.enum(['member', 'org_admin']).default('member'),
  })
  .strict();
export const userEditSchema = z
  .object({
    id: idSchema,
    name: z.string().trim().min(1, { message: 'required' }).max(120).optional(),
    email: emailSchema.optional(),
    licence: z.boolean().optional(),
    role: z.enum(['member', 'org_admin']).optional(),
  })
  .strict();
export const rangeSchema = z.object({ from: instantSchema, to: instantSchema }).strict();
export const contactSearchSchema = z
  .object({ query: z.string().trim().min(2, { message: 'query_short' }).max(100) })
  .strict();

export type {
  AccountProfile,
  AccountSettings,
  Organisation,
  PasswordPolicy,
  ProfileDetails,
  Role,
} from '../../protocol/accounts';
export type { AdminUser, Contact, Statistics, AdminCallLogEntry as CallLogEntry } from '../../protocol/admin';

/** What the app knows about its session. */
export interface AccountState {
  signedIn: boolean;
  /** A password was accepted and an SMS code is awaited. */
  awaitingCode: boolean;
  profile: AccountProfile | null;
  /** False where the OS offers no safe storage: the session then ends with the app. */
  remembered: boolean;
}

/** A registration link as the wizard needs it: the token, and what the server said about it. */
export type RegistrationInfo = z.infer<typeof registrationInfoSchema> & { token: string };

/** Support checks a caller's PIN by username. */
export const pinCheckSchema = z
  .object({
    username: z.string().trim().min(1, { message: 'required' }).max(80),
    pin: z.string().regex(/^\d{8}$/, { message: 'pin_invalid' }),
  })
  .strict();
/** The wizard's PIN: drawn by the server, or chosen by the user. */
export const createPinSchema = z.object({ pin: chosenPinSchema.optional() }).strict().optional();
