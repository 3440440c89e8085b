/** Strings the main process shows itself (tray menu, notifications, dialogs), through i18next like the UI. */
import i18next, { type TFunction } from 'i18next';
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
  interpolation: { escapeValue: false },
});

export function shellStrings(language: Language): (key: ShellKey, values?: Record<string, string | number>) => string {
  const t: TFunction = instance.getFixedT(language, 'shell');
  return (key, values) => t(key, values ?? {});
}
