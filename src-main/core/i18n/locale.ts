import { LANGUAGES, type Language } from '../../../src-preload/contract';

/**
 * The first supported language among the system's preferred locales ('de-AT' → 'de'). Norwegian falls
 * back to Danish, which Norwegian readers read easily; anything else to English.
 */
export function languageFromLocales(locales: readonly string[]): Language {
  for (const locale of locales) {
    const base = locale.toLowerCase().split(/[-_]/)[0] ?? '';
    if ((LANGUAGES as readonly string[]).includes(base)) return base as Language;
    if (base === 'nb' || base === 'nn' || base === 'no') return 'da';
  }
  return 'en';
}
