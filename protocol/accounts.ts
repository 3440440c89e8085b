/**
 * Accounts: sign-up, the registration link and wizard, sign-in with SMS two-factor, sessions, the profile,
 * the account's settings and contract, and upgrading to an organisation.
 */
import { z } from 'zod';
import {
  chosenPinSchema,
  countrySchema,
  emailSchema,
  instantSchema,
  languageSchema,
  nameSchema,
  organisationCodeSchema,
  passwordSchema,
  smsCodeSchema,
  text,
  tokenSchema,
  usernameSchema,
} from './primitives';
import { route } from './route';

export const REGISTRATION_STEPS = ['pin', 'twoFactor', 'visibility'] as const;
export type RegistrationStep = (typeof REGISTRATION_STEPS)[number];
export const PASSWORD_RULES = ['length', 'lower', 'upper', 'digit', 'symbol', 'not_personal'] as const;
export type PasswordRule = (typeof PASSWORD_RULES)[number];
export const ROLES = ['member', 'org_admin', 'service_admin'] as const;
export type Role = (typeof ROLES)[number];

export const passwordPolicySchema = z.object({
  minLength: z.number().int(),
  maxLength: z.number().int(),
  rules: z.array(z.enum(PASSWORD_RULES)),
});
export type PasswordPolicy = z.infer<typeof passwordPolicySchema>;

export const tokensSchema = z.object({
  accessToken: tokenSchema,
  refreshToken: tokenSchema,
  accessExpiresAt: instantSchema,
});
export type Tokens = z.infer<typeof tokensSchema>;
/** A correct password on an account with two-factor: the sign-in continues with the SMS code. */
export const secondStepSchema = z.object({ twoFactor: z.literal(true), challenge: tokenSchema });

export const profileSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  username: z.string().nullable(),
  role: z.enum(ROLES),
  organisationId: z.string().nullable(),
  status: z.string(),
  language: z.string(),
  phone: z.string().nullable(),
  twoFactor: z.boolean(),
  registered: z.boolean(),
  licence: z.boolean(),
  pendingSteps: z.array(z.enum(REGISTRATION_STEPS)),
  searchable: z.boolean(),
});

/**
 * An organisation's ordinary member: their administrator decides about the workstation's unattended
 * modes (call-station mode). Individual accounts and admins decide themselves.
 */
export const isOrganisationMember = (profile: { role: string; organisationId: string | null }): boolean =>
  profile.organisationId !== null && profile.role === 'member';
export type AccountProfile = z.infer<typeof profileSchema>;

export const registrationInfoSchema = z.object({
  email: z.string(),
  organisationName: z.string().nullable(),
  steps: z.array(z.enum(REGISTRATION_STEPS)),
  passwordPolicy: passwordPolicySchema,
});

export const profileDetailsSchema = z.object({
  name: z.string(),
  email: z.string(),
  username: z.string().nullable(),
  address: z.string(),
  postcode: z.string(),
  city: z.string(),
  country: z.string(),
  phone: z.string(),
  twoFactor: z.boolean(),
  twoFactorPhone: z.string().nullable(),
  role: z.enum(ROLES),
  organisation: z.object({ id: z.string(), name: z.string(), code: z.string() }).nullable(),
});
export type ProfileDetails = z.infer<typeof profileDetailsSchema>;

export const accountPreferencesSchema = z.object({
  autoDownload: z.boolean().default(false),
  autoAnswer: z.boolean().default(false),
  mute: z.boolean().default(false),
  patientConsent: z.boolean().default(true),
  microphoneId: z.string().max(200).nullable().default(null),
  cameraId: z.string().max(200).nullable().default(null),
});
export type AccountPreferences = z.infer<typeof accountPreferencesSchema>;
/**
 * Taking part in the practices' network: on only with the network's privacy policy and terms accepted in
 * their current version (`termsVersion`); the accepted version and time are the record of consent. When
 * the terms change, participation pauses until they are accepted again.
 */
export const networkSchema = z.object({
  participating: z.boolean(),
  termsVersion: z.string(),
  acceptedVersion: z.string().nullable(),
  acceptedAt: instantSchema.nullable(),
});
export const accountSettingsSchema = accountPreferencesSchema.extend({
  language: languageSchema,
  searchable: z.boolean(),
  network: networkSchema,
});
export type AccountSettings = z.infer<typeof accountSettingsSchema>;
export const accountSettingsEditSchema = z
  .object({
    language: languageSchema,
    searchable: z.boolean(),
    autoDownload: z.boolean(),
    autoAnswer: z.boolean(),
    mute: z.boolean(),
    patientConsent: z.boolean(),
    microphoneId: z.string().max(200).nullable(),
    cameraId: z.string().max(200).nullable(),
    /** Switching on needs `acceptTerms` naming the current terms version (unless it was accepted before). */
    network: z.object({ participating: z.boolean(), acceptTerms: z.string().max(40).optional() }).strict(),
  })
  .partial()
  .strict();

export const organisationSchema = z.object({ id: z.string(), name: z.string(), code: z.string() });
export type Organisation = z.infer<typeof organisationSchema>;

export const profileEditSchema = z
  .object({
    address: text(200).optional(),
    postcode: text(20).optional(),
    city: text(100).optional(),
    country: z
      .string()
      .regex(/^([A-Z]{2})?$/, { message: 'country_invalid' })
      .optional(),
    phone: text(40).optional(),
  })
  .strict();

const sent = z.object({ status: z.literal('sent') });
const done = <K extends string>(key: K) => z.object({ [key]: z.boolean() } as Record<K, z.ZodBoolean>);

export const accountRoutes = {
  passwordPolicy: route('GET', '/api/password-policy', { answer: passwordPolicySchema }),
  signUp: route('POST', '/api/registration/signup', {
    body: z
      .object({
        email: emailSchema,
        language: languageSchema.default('en'),
        organisationCode: organisationCodeSchema.optional(),
      })
      .strict(),
    answer: sent,
    status: 202,
  }),
  inspectLink: route('GET', '/api/registration/:token', {
    params: z.object({ token: tokenSchema }),
    answer: registrationInfoSchema,
  }),
  register: route('POST', '/api/registration/:token', {
    params: z.object({ token: tokenSchema }),
    body: z.object({ username: usernameSchema, password: passwordSchema }).strict(),
    answer: tokensSchema,
  }),
  /** The wizard's PIN: one drawn by the server, or one the user chose (8 digits, not trivial). */
  createPin: route('POST', '/api/account/registration/pin', {
    body: z.object({ pin: chosenPinSchema.optional() }).strict().optional(),
    answer: z.object({ pin: z.string() }),
  }),
  confirmPin: route('POST', '/api/account/registration/pin/confirm', { answer: done('confirmed') }),
  finishRegistration: route('POST', '/api/account/registration/finish', { answer: profileSchema }),
  signIn: route('POST', '/api/auth/sign-in', {
    body: z.object({ username: z.string().max(80), password: passwordSchema }).strict(),
    answer: z.union([tokensSchema, secondStepSchema]),
  }),
  refresh: route('POST', '/api/auth/refresh', {
    body: z.object({ refreshToken: tokenSchema }).strict(),
    answer: tokensSchema,
  }),
  signOut: route('POST', '/api/auth/sign-out', { body: z.object({ refreshToken: tokenSchema }).strict() }),
  me: route('GET', '/api/account/me', { answer: profileSchema }),
  startTwoFactor: route('POST', '/api/account/two-factor/start', {
    body: z
      .object({
        phone: z.string().trim().min(3).max(40),
        country: countrySchema.default('DE'),
        /** Needed when two-factor is already on: the number of the second factor is being changed. */
        password: passwordSchema.optional(),
      })
      .strict(),
    answer: sent,
    status: 202,
  }),
  confirmTwoFactor: route('POST', '/api/account/two-factor/confirm', {
    body: z.object({ code: smsCodeSchema }).strict(),
    answer: done('twoFactor'),
  }),
  disableTwoFactor: route('POST', '/api/account/two-factor/disable', {
    body: z.object({ password: passwordSchema }).strict(),
    answer: done('twoFactor'),
  }),
  signInWithCode: route('POST', '/api/auth/two-factor', {
    body: z.object({ challenge: tokenSchema, code: smsCodeSchema }).strict(),
    answer: tokensSchema,
  }),
  resendCode: route('POST', '/api/auth/two-factor/resend', {
    body: z.object({ challenge: tokenSchema }).strict(),
    answer: z.object({ challenge: tokenSchema }),
  }),
  profile: route('GET', '/api/account/profile', { answer: profileDetailsSchema }),
  updateProfile: route('PATCH', '/api/account/profile', {
    body: profileEditSchema.optional(),
    answer: profileDetailsSchema,
  }),
  changePassword: route('POST', '/api/account/password', {
    body: z.object({ current: passwordSchema, password: passwordSchema, repeat: passwordSchema }).strict(),
    answer: tokensSchema,
  }),
  settings: route('GET', '/api/account/settings', { answer: accountSettingsSchema }),
  updateSettings: route('PATCH', '/api/account/settings', {
    body: accountSettingsEditSchema.optional(),
    answer: accountSettingsSchema,
  }),
  upgrade: route('POST', '/api/account/organisation', {
    body: z.object({ name: nameSchema }).strict(),
    answer: organisationSchema,
    status: 201,
  }),
};
