/** Values that cross the wire in many routes, with the error keys the apps translate. */
import { z } from 'zod';

export const LANGUAGES = ['en', 'de', 'sv', 'da'] as const;
export const languageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof languageSchema>;

/** A point in time: milliseconds since the epoch (until 2200). */
export const instantSchema = z.number().int().min(0).max(7_258_118_400_000);
export const uuidSchema = z.uuid({ message: 'id_invalid' });
/** 256-bit tokens, base64url. */
export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{40,64}$/, { message: 'token_invalid' });
export const emailSchema = z.email({ message: 'email_invalid' }).max(254);
export const passwordSchema = z.string().min(1, { message: 'required' }).max(256, { message: 'too_long' });
export const smsCodeSchema = z.string().regex(/^\d{8}$/, { message: 'code_invalid' });
export const countrySchema = z.string().regex(/^[A-Z]{2}$/, { message: 'country_invalid' });
export const organisationCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{4}-?[A-Z0-9]{4}$/, { message: 'organisation_code_invalid' })
  .transform((code) => (code.includes('-') ? code : `${code.slice(0, 4)}-${code.slice(4)}`));
export const text = (max: number) => z.string().trim().max(max, { message: 'too_long' });
export const nameSchema = z.string().trim().min(1, { message: 'required' }).max(120, { message: 'too_long' });

/**
 * Usernames: Latin letters (the letters of German, Swedish, Danish and most European names), digits and
 * `.`, `_`, `-`; 3 to 40 characters after NFKC. Look-alikes are compared by the server's folded key.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9._\-\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u017F]{3,40}$/;
export const usernameSchema = z
  .string()
  .max(80)
  .transform((value) => value.normalize('NFKC').trim())
  .refine((value) => USERNAME_PATTERN.test(value), { message: 'username_invalid' });

/** An 8-digit service PIN the user chose: no runs (12345678, 87654321) and no single repeated digit. */
export const PIN_PATTERN = /^\d{8}$/;
export function pinProblem(pin: string): 'pin_invalid' | 'pin_trivial' | null {
  if (!PIN_PATTERN.test(pin)) return 'pin_invalid';
  const digits = [...pin].map(Number);
  const steps = digits.slice(1).map((d, i) => d - digits[i]!);
  if (steps.every((s) => s === 0) || steps.every((s) => s === 1) || steps.every((s) => s === -1)) return 'pin_trivial';
  // Two different digits or fewer (11112222, 12121212) is too easy to guess.
  if (new Set(digits).size <= 2) return 'pin_trivial';
  return null;
}
export const chosenPinSchema = z.string().superRefine((pin, ctx) => {
  const problem = pinProblem(pin);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A practice's logo: a small PNG, JPEG or WebP as a data URL (no SVG: it could carry script), at most
 * 20,000 characters (about 14 KB, what a synced field holds); '' for none. The settings scale a picked
 * image down to fit.
 */
export const LOGO_MAX_CHARS = 20_000;
export const practiceLogoSchema = z
  .string()
  .max(LOGO_MAX_CHARS, { message: 'logo_too_large' })
  .regex(/^(|data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2})$/, { message: 'logo_invalid' });
