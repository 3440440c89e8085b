/** First-run content in the practice's languages: message templates and appointment types. */
import type { Language } from '../../../src-preload/contract';
import da from './locales/da/defaults.json';
import de from './locales/de/defaults.json';
import en from './locales/en/defaults.json';
import sv from './locales/sv/defaults.json';

export type Defaults = typeof en;
export const DEFAULTS: Record<Language, Defaults> = { en, de, sv, da };
