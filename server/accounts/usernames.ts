/**
 * Usernames: a documented character set, and a comparison key that folds case, compatibility forms,
 * diacritics and look-alike characters, so that `Andy_A`, `andy_a` and `аndy_a` (Cyrillic а) cannot
 * register beside each other, and sign-in is case-insensitive.
 *
 * Allowed: Latin letters (Basic Latin, Latin-1 Supplement and Latin Extended-A: the letters of German,
 * Swedish, Danish and most European names), digits 0–9, and `.`, `_`, `-`; 3 to 40 characters after NFKC.
 * Other scripts are refused, which removes cross-script look-alikes; within the Latin set the key maps
 * what still looks alike (0/o, 1/l/i, rn/m, vv/w, ß/ss, æ/ae, ø/o …) to one form (after Unicode TR39's
 * idea of a "skeleton").
 */

export const USERNAME_PATTERN = /^[A-Za-z0-9._\-\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u017F]{3,40}$/;

/** NFKC (full-width and ligature forms become plain letters) and trimmed; null when not allowed. */
export function normaliseUsername(raw: string): string | null {
  const value = raw.normalize('NFKC').trim();
  return USERNAME_PATTERN.test(value) ? value : null;
}

const LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
  ĸ: 'k',
  ŋ: 'n',
  ŀ: 'l',
};

/** The comparison key: two usernames with the same key look alike and cannot both exist. */
export function usernameKey(username: string): string {
  const folded = username
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøđðþłıĸŋŀ]/g, (c) => LETTERS[c] ?? c);
  return folded
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd')
    .replace(/[0]/g, 'o')
    .replace(/[1il|]/g, 'l')
    .replace(/[_\-.]+/g, (sep) => sep[0]!);
}
