import { z } from 'zod';

export const LANGUAGES = ['en', 'de', 'sv', 'da'] as const;
export const languageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof languageSchema>;
