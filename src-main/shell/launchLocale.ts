/**
 * Chromium's own widgets (the date and time fields' format and their pickers, spell-check) follow the
 * locale the browser starts with, not the page's language. Electron sets it with the `--lang` switch,
 * which must be appended before the app is ready (https://www.electronjs.org/docs/latest/api/command-line-switches#--lang).
 * The app's language lives in the core's database, which opens after `ready`, so the shell keeps a copy in a
 * small file next to it, written whenever the setting changes, and read at the next start. A change of
 * language therefore reaches the date fields at the next start; the UI's own text changes at once.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { intlLocale } from '../../protocol/locale';
import { languageSchema, type Language } from '../../src-preload/schemas/language';

const fileSchema = z.object({ language: languageSchema }).strict();

export const launchLocalePath = (dataDir: string): string => join(dataDir, 'launch-locale.json');

/** The language saved by the last run, or null (first start, or a file this version cannot read). */
export function readLaunchLanguage(file: string): Language | null {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data.language : null;
  } catch {
    return null;
  }
}

export function writeLaunchLanguage(file: string, language: Language): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ language })}\n`);
}

/** Electron's `app` as far as this needs it (the documented `app.commandLine.appendSwitch`). */
export interface CommandLineApp {
  commandLine: { appendSwitch(name: string, value?: string): void };
}

/**
 * Before `ready`: starts Chromium in the app's language (English day first, as the UI writes dates). With no
 * saved language Chromium keeps the operating system's locale, as the UI does on first start.
 */
export function applyLaunchLocale(app: CommandLineApp, file: string): string | null {
  const language = readLaunchLanguage(file);
  if (!language) return null;
  const locale = intlLocale(language);
  app.commandLine.appendSwitch('lang', locale);
  return locale;
}
