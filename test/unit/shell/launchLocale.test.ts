/**
 * The language Chromium starts in (`--lang`, appended before `ready` as Electron documents), kept by the
 * shell between runs in a small file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyLaunchLocale,
  launchLocalePath,
  readLaunchLanguage,
  writeLaunchLanguage,
} from '../../../src-main/shell/launchLocale';

/** `app.commandLine` as Electron has it: appendSwitch(name, value) records the switch. */
function fakeApp() {
  const switches: [string, string | undefined][] = [];
  return {
    switches,
    commandLine: { appendSwitch: (name: string, value?: string) => void switches.push([name, value]) },
  };
}

describe('launch locale', () => {
  it('starts Chromium in the language saved by the last run, English day first', () => {
    const file = launchLocalePath(join(mkdtempSync(join(tmpdir(), 'clinicdesk-lang-')), 'data'));
    const first = fakeApp();
    expect(applyLaunchLocale(first, file)).toBeNull(); // first start: the operating system's locale
    expect(first.switches).toEqual([]);

    writeLaunchLanguage(file, 'de');
    const second = fakeApp();
    expect(applyLaunchLocale(second, file)).toBe('de-DE');
    expect(second.switches).toEqual([['lang', 'de-DE']]);

    writeLaunchLanguage(file, 'en');
    expect(applyLaunchLocale(fakeApp(), file)).toBe('en-GB');
  });

  it('ignores a file it cannot read instead of failing the start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'clinicdesk-lang-')), 'launch-locale.json');
    for (const content of ['{', '{"language":"fr"}', '{"language":"de","x":1}', '']) {
      writeFileSync(file, content);
      expect(readLaunchLanguage(file)).toBeNull();
      const app = fakeApp();
      applyLaunchLocale(app, file);
      expect(app.switches).toEqual([]);
    }
  });
});
