/**
 * How many SMS parts a text needs. GSM-7 (3GPP TS 23.038) when every character is in its default alphabet
 * or extension table: 160 septets in one part, 153 per part when split, extension characters taking two
 * (and never split across parts). Otherwise UCS-2: 70 UTF-16 units, 67 per part, grapheme clusters kept whole.
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

/**
 * The characters of a text outside the GSM-7 alphabet (each once, in order of appearance): any one of them
 * sends the whole text as UCS-2, 70 characters per SMS instead of 160. The compose box names them, with
 * what the text would cost without them.
 */
export function unicodeCharacters(text: string): string[] {
  const found: string[] = [];
  for (const char of text) {
    if (!GSM7_BASIC.has(char) && !GSM7_EXTENSION.has(char) && !found.includes(char)) found.push(char);
  }
  return found;
}

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

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The text's indivisible pieces. Some gateways split only between code points (surrogate pairs whole), others
 * keep whole grapheme clusters (👨‍👩‍👧, 🇨🇭, 👍🏽, e + combining accent) together; packing whole clusters never
 * needs fewer parts than packing code points, so the preview is never below what either charges. A cluster
 * longer than a part (a pathological stack of combining marks) cannot stay whole anywhere and is split into
 * its code points.
 */
function pieces(text: string, width: (piece: string) => number, size: number): number[] {
  const widths: number[] = [];
  for (const { segment } of graphemes.segment(text)) {
    const w = width(segment);
    if (w <= size) widths.push(w);
    else for (const char of segment) widths.push(width(char));
  }
  return widths;
}

const septets = (piece: string): number => {
  let n = 0;
  for (const char of piece) n += GSM7_EXTENSION.has(char) ? 2 : 1;
  return n;
};

export function countSms(text: string): SmsCount {
  if (isGsm7(text)) return { encoding: 'gsm7', ...pack(pieces(text, septets, 153), 160, 153) };
  // UTF-16 code units: 2 for characters outside the BMP (emoji).
  return {
    encoding: 'ucs2',
    ...pack(
      pieces(text, (piece) => piece.length, 67),
      70,
      67,
    ),
  };
}

/** One credit per SMS part; e-mail costs no credits. */
export const creditsFor = (channel: 'sms' | 'email', text: string): number =>
  channel === 'sms' ? countSms(text).segments : 0;
