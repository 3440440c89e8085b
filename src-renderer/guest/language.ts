import type { Language } from '../../src-preload/contract';
import { isLanguage } from '../i18n/i18n';

/** A `?lang=` in the link wins (the practice knows its patient), then the browser's languages. */
export function languageFromNavigator(languages: readonly string[], search = window.location.search): Language {
  const fromLink = new URLSearchParams(search).get('lang');
  if (fromLink && isLanguage(fromLink)) return fromLink;
  for (const locale of languages) {
    const base = locale.toLowerCase().split('-')[0] ?? '';
    if (isLanguage(base)) return base;
  }
  return 'en';
}
