/**
 * A stored E.164 number written for reading: in the practice's national format when it is a number of the
 * practice's country ("0171 2345601"), else internationally ("+46 70 123 45 67"). The `min` metadata is
 * enough for formatting and keeps the pages small; checking whether a number takes SMS is phone.ts's job.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export function formatPhone(e164: string | null | undefined, country: string): string {
  if (!e164) return '';
  const number = parsePhoneNumberFromString(e164);
  if (!number) return e164;
  return number.country === country.toUpperCase() ? number.formatNational() : number.formatInternational();
}
