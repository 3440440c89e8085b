/**
 * Phone numbers are stored as E.164. A number typed nationally is read with the practice's country; a
 * landline cannot receive SMS and is refused as a mobile number.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneCheck = { ok: true; e164: string } | { ok: false; code: 'phone_invalid' | 'phone_landline' };

export function normaliseMobile(raw: string, country: string): PhoneCheck {
  const number = parsePhoneNumberFromString(raw.trim(), country.toUpperCase() as CountryCode);
  if (!number || !number.isValid()) return { ok: false, code: 'phone_invalid' };
  const type = number.getType();
  // Numbers whose type the metadata cannot tell (FIXED_LINE_OR_MOBILE, or unknown) get the benefit of the doubt.
  if (type === 'FIXED_LINE' || type === 'TOLL_FREE' || type === 'PREMIUM_RATE' || type === 'SHARED_COST') {
    return { ok: false, code: 'phone_landline' };
  }
  return { ok: true, e164: number.number };
}
