/**
 * Which numbers can take an SMS, for the desktop (patients' mobiles, free text) and the server (two-factor)
 * alike. Numbers are stored as E.164; one typed nationally is read with the practice's country.
 *
 * Only MOBILE is accepted, and FIXED_LINE_OR_MOBILE where a country's numbering plan cannot tell the two
 * apart (the United States, Canada): voicemail access, business (UAN), pager, personal and VoIP numbers,
 * landlines and toll-free or premium numbers cannot be relied on to receive an SMS. A number whose type the
 * metadata cannot tell is refused for the same reason. Types per Google's libphonenumber (the `max`
 * metadata, which has them).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneCheck = { ok: true; e164: string } | { ok: false; code: 'phone_invalid' | 'phone_not_mobile' };

const SMS_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export function normaliseMobile(raw: string, country: string): PhoneCheck {
  const number = parsePhoneNumberFromString(raw.trim(), country.toUpperCase() as CountryCode);
  if (!number || !number.isValid()) return { ok: false, code: 'phone_invalid' };
  const type = number.getType();
  if (!type || !SMS_TYPES.has(type)) return { ok: false, code: 'phone_not_mobile' };
  return { ok: true, e164: number.number };
}
