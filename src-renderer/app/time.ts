/**
 * Dates and times in the practice's time zone, shown in the user's language. The agenda thinks in local
 * days and minutes; the bridge in UTC instants.
 */
import { TZDate } from '@date-fns/tz';
import { intlLocale } from '../../protocol/locale';

/** The practice's country, for the regional date format of the UI language (en-GB, de-CH …). */
let region: string | null = null;
export function setRegion(country: string | null): void {
  region = country;
}

export function instantAt(date: string, minute: number, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new TZDate(y, m - 1, d, Math.floor(minute / 60), minute % 60, zone).getTime();
}

export function localParts(at: number, zone: string): { date: string; minute: number } {
  const d = new TZDate(at, zone);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return { date, minute: d.getHours() * 60 + d.getMinutes() };
}

export function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

const cache = new Map<string, Intl.DateTimeFormat>();
function format(at: number, language: string, zone: string, options: Intl.DateTimeFormatOptions): string {
  const locale = intlLocale(language, region);
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let formatter = cache.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    cache.set(key, formatter);
  }
  return formatter.format(at);
}

export const formatTime = (at: number, language: string, zone: string) =>
  format(at, language, zone, { hour: '2-digit', minute: '2-digit' });
export const formatDateTime = (at: number, language: string, zone: string) =>
  format(at, language, zone, { dateStyle: 'short', timeStyle: 'short' });
export const formatDay = (date: string, language: string, style: 'long' | 'short' = 'long') =>
  format(
    instantAt(date, 12 * 60, 'UTC'),
    language,
    'UTC',
    style === 'long' ? { dateStyle: 'full' } : { weekday: 'short', day: 'numeric', month: 'numeric' },
  );
export const formatBirthDate = (date: string, language: string) =>
  format(instantAt(date, 12 * 60, 'UTC'), language, 'UTC', { dateStyle: 'medium' });
export const minuteLabel = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The Intl locale for the UI language in the practice's region (en-GB dates in Europe, de-CH …). */
export const uiLocale = (language: string): string => intlLocale(language, region);
