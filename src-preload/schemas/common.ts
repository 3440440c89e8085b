import { z } from 'zod';

export const idSchema = z.uuid({ message: 'id_invalid' });
export const isoDateSchema = z.iso.date({ message: 'date_invalid' });
/** UTC epoch milliseconds between 1970 and 2200. */
export const instantSchema = z.number().int().min(0).max(7_258_118_400_000);
/** Absent, null or '' (what a form sends for "nothing") all read as null. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (value === undefined || (typeof value === 'string' && value.trim() === '') ? null : value),
    schema.nullable(),
  );
export const text = (max: number) => z.string().trim().max(max);
export const requiredText = (max: number) => z.string().trim().min(1, { message: 'required' }).max(max);
export const colourSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: 'colour_invalid' });
export const channelSchema = z.enum(['sms', 'email']);
export type Channel = z.infer<typeof channelSchema>;
