/**
 * Which Intl locale formats dates and times for a language in a practice's country. English uses the
 * day-month order of en-GB (European practices), except in North America; German follows Switzerland and
 * Austria (de-CH writes 01.12.2026 like de-DE but its numbers and some words differ); Swedish in Finland
 * is sv-FI. Shared by the desktop (messages, screens) and the pages.
 */
const REGIONAL: Record<string, Record<string, string>> = {
  en: { US: 'en-US', CA: 'en-CA', IE: 'en-IE', '*': 'en-GB' },
  de: { CH: 'de-CH', AT: 'de-AT', LI: 'de-LI', LU: 'de-LU', '*': 'de-DE' },
  sv: { FI: 'sv-FI', '*': 'sv-SE' },
  da: { '*': 'da-DK' },
};

export function intlLocale(language: string, country?: string | null): string {
  const table = REGIONAL[language];
  if (!table) return language;
  return table[(country ?? '').toUpperCase()] ?? table['*']!;
}

/** Marks around an interpolated value (a name, a number): C1 controls, never in a translation. */
const OPEN = '\u0091';
const CLOSE = '\u0092';
const MARKED = /(\u0091[^\u0091\u0092]*\u0092)/;

/**
 * Marks a value put into a text (a patient's or colleague's name) so that `regionalText` leaves it as
 * written: "Strauß" stays "Strauß" in a Swiss practice, only the translation around it changes.
 */
export const keepAsWritten = (value: string): string => `${OPEN}${value}${CLOSE}`;

/**
 * Swiss Standard German has no "ß": it is written "ss" (Grüsse, Strasse). Applied to German texts of
 * practices in Switzerland (and Liechtenstein), so translations and default templates need no second copy;
 * values marked by `keepAsWritten` keep their spelling, and the marks are removed in every case.
 */
export function regionalText(text: string, language: string, country?: string | null): string {
  const swiss = language === 'de' && (country === 'CH' || country === 'LI');
  const spell = (part: string) => (swiss ? part.replace(/ß/g, 'ss') : part);
  if (!text.includes(OPEN)) return spell(text);
  return text
    .split(MARKED)
    .map((part) => (part.startsWith(OPEN) ? part.slice(1, -1) : spell(part)))
    .join('')
    .replace(/[\u0091\u0092]/g, '');
}
