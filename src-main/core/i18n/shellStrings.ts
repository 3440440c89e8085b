/** Strings the main process shows itself (tray menu, notifications, dialogs), through i18next like the UI. */
import i18next, { type TFunction } from 'i18next';
import { keepAsWritten, regionalText } from '../../../protocol/locale';
import type { Language } from '../../../src-preload/contract';
import da from './locales/da/shell.json';
import de from './locales/de/shell.json';
import en from './locales/en/shell.json';
import sv from './locales/sv/shell.json';

type RawKey = keyof typeof en;
/** Plural keys (`x_one`, `x_other`) are asked for by their base name with a `count`. */
export type ShellKey = RawKey extends infer K ? (K extends `${infer Base}_${'one' | 'other'}` ? Base : K) : never;

const instance = i18next.createInstance();
void instance.init({
  resources: { en: { shell: en }, de: { shell: de }, sv: { shell: sv }, da: { shell: da } },
  lng: 'en',
  fallbackLng: 'en',
  ns: ['shell'],
  defaultNS: 'shell',
  initAsync: false,
  // No HTML here; the "escape" only marks each value (a name) so the regional spelling keeps it.
  interpolation: { escapeValue: true, escape: keepAsWritten },
});

/**
 * The shell's texts in a language; with the practice's country, in its regional spelling (Swiss German
 * writes "ss" for "ß"), as the renderer's texts are.
 */
export function shellStrings(
  language: Language,
  country?: string | null,
): (key: ShellKey, values?: Record<string, string | number>) => string {
  const t: TFunction = instance.getFixedT(language, 'shell');
  return (key, values) => regionalText(t(key, values ?? {}), language, country);
}
