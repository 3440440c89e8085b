/**
 * How many SMS parts a text needs. GSM-7 (3GPP TS 23.038) when every character is in its default alphabet
 * or extension table: 160 septets in one part, 153 per part when split, extension characters taking two
 * (and never split across parts). Otherwise UCS-2: 70 UTF-16 units, 67 per part, surrogate pairs kept whole.
 */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

export type SmsEncoding = 'gsm7' | 'ucs2';

export interface SmsCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Characters left in the last part before another part starts. */
  remaining: number;
}

export const isGsm7 = (text: string): boolean => {
  for (const char of text) if (!GSM7_BASIC.has(char) && !GSM7_EXTENSION.has(char)) return false;
  return true;
};

/** Packs units (each indivisible, of width 1 or 2) into parts of `size`; returns the number of parts and what is left. */
function pack(widths: number[], single: number, size: number): { segments: number; units: number; remaining: number } {
  const units = widths.reduce((sum, w) => sum + w, 0);
  if (units === 0) return { segments: 0, units, remaining: single };
  if (units <= single) return { segments: 1, units, remaining: single - units };
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > size) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return { segments, units, remaining: size - used };
}

export function countSms(text: string): SmsCount {
  if (isGsm7(text)) {
    const widths = [...text].map((char) => (GSM7_EXTENSION.has(char) ? 2 : 1));
    return { encoding: 'gsm7', ...pack(widths, 160, 153) };
  }
  const widths = [...text].map((char) => char.length); // 2 for characters outside the BMP (emoji)
  return { encoding: 'ucs2', ...pack(widths, 70, 67) };
}

/** One credit per SMS part; e-mail costs no credits. */
export const creditsFor = (channel: 'sms' | 'email', text: string): number =>
  channel === 'sms' ? countSms(text).segments : 0;
