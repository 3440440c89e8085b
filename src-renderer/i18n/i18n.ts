/** i18next for the renderer: every user-visible string comes from src-renderer/locales. */
import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { keepAsWritten, regionalText } from '../../protocol/locale';
import { LANGUAGES, type Language } from '../../src-preload/contract';
import daCommon from '../locales/da/common.json';
import daGuest from '../locales/da/guest.json';
import deCommon from '../locales/de/common.json';
import deGuest from '../locales/de/guest.json';
import enCommon from '../locales/en/common.json';
import enGuest from '../locales/en/guest.json';
import svCommon from '../locales/sv/common.json';
import svGuest from '../locales/sv/guest.json';

const resources = {
  en: { common: enCommon, guest: enGuest },
  de: { common: deCommon, guest: deGuest },
  sv: { common: svCommon, guest: svGuest },
  da: { common: daCommon, guest: daGuest },
};

/** Each language is offered under its own name, the same in every UI language. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  de: 'Deutsch',
  sv: 'Svenska',
  da: 'Dansk',
};

export const isLanguage = (value: string): value is Language => (LANGUAGES as readonly string[]).includes(value);

/** The practice's country: German in Switzerland is written without ß (see protocol/locale). */
let country: string | null = null;
export function setTextRegion(next: string | null): void {
  country = next;
}

export async function createI18n(language: Language, defaultNS: 'common' | 'guest'): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance
    .use(initReactI18next)
    .use({
      type: 'postProcessor',
      name: 'region',
      process: (value: string, _key: unknown, _options: unknown, translator: { language?: string }) =>
        regionalText(value, translator.language ?? language, country),
    })
    .init({
      postProcess: ['region'],
      resources,
      lng: language,
      fallbackLng: 'en',
      supportedLngs: [...LANGUAGES],
      ns: ['common', 'guest'],
      defaultNS,
      // React escapes; the "escape" here only marks each value (a name) so the regional spelling keeps it.
      interpolation: { escapeValue: true, escape: keepAsWritten },
      returnNull: false,
    });
  document.documentElement.lang = language;
  instance.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  return instance;
}
