/**
 * Plurals everywhere (issue 15): a text that counts something ("{{count}} …") is an i18next plural pair
 * (`_one`, `_other`) in every language, so "1 appointments" cannot happen; a bare number in parentheses
 * ("Done (3)") uses `{{n}}`, which needs no plural form. Checked over the real locale files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const LANGUAGES = ['en', 'de', 'sv', 'da'] as const;
const FILES = [
  ['src-renderer/locales', 'common'],
  ['src-renderer/locales', 'guest'],
  ['src-main/core/i18n/locales', 'shell'],
  ['src-main/core/i18n/locales', 'defaults'],
] as const;

function flat(value: unknown, prefix = ''): [string, string][] {
  if (typeof value === 'string') return [[prefix, value]];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    flat(child, prefix ? `${prefix}.${key}` : key),
  );
}

describe('plurals', () => {
  it('every counting text is a plural pair in every language', () => {
    const problems: string[] = [];
    for (const [dir, ns] of FILES) {
      for (const language of LANGUAGES) {
        const entries = flat(JSON.parse(readFileSync(join(dir, language, `${ns}.json`), 'utf8')));
        const keys = new Set(entries.map(([key]) => key));
        for (const [key, text] of entries) {
          if (!text.includes('{{count}}')) continue;
          const base = key.replace(/_(one|other)$/, '');
          if (base === key) problems.push(`${language}/${ns}: ${key} counts without plural forms`);
          else if (!keys.has(`${base}_one`) || !keys.has(`${base}_other`))
            problems.push(`${language}/${ns}: ${base} lacks _one or _other`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
