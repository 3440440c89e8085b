import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Settings } from '../../src-preload/contract';
import { databasePath } from '../../src-main/core/config';
import { createCore, type Core, type CoreOptions } from '../../src-main/core/core';
import { createDispatcher } from '../../src-main/core/ipc/dispatcher';
import { APP_ORIGIN, isTrustedSender } from '../../src-main/core/security/policy';

const open: Core[] = [];
const sender = { url: `${APP_ORIGIN}/index.html`, isMainFrame: true };

function start(overrides: Partial<CoreOptions> = {}) {
  const emitted: unknown[] = [];
  const opened: string[] = [];
  const core = createCore({
    dataDir: mkdtempSync(join(tmpdir(), 'clinicdesk-core-')),
    appVersion: '1.2.3',
    osLocales: ['en-GB'],
    defaultServerUrl: 'http://127.0.0.1:4780',
    openExternal: (url) => void opened.push(url),
    emit: (event, payload) => emitted.push([event, payload]),
    ...overrides,
  });
  open.push(core);
  const dispatch = createDispatcher({ handlers: core.handlers, isTrustedSender });
  return {
    core,
    dispatch,
    emitted,
    opened,
    call: (channel: string, input?: unknown) => dispatch(channel, input, sender),
  };
}

const rows = (dataDir: string) => {
  const db = new Database(databasePath(dataDir), { readonly: true });
  const all = db.prepare('SELECT key, value FROM settings ORDER BY key').all();
  db.close();
  return all;
};

afterEach(() => {
  for (const core of open.splice(0)) core.close();
});

describe('settings through the core', () => {
  it('follows the system language until the user chooses one', async () => {
    const { call } = start({ osLocales: ['de-CH', 'en-US'] });
    expect(await call('settings.get')).toEqual({
      ok: true,
      value: { language: 'de', languageSource: 'os', serverUrl: 'http://127.0.0.1:4780', callStation: false },
    });
  });

  it('stores the chosen language in the database file and keeps it across restarts', async () => {
    const first = start({ osLocales: ['sv-SE'] });
    const result = await first.call('settings.setLanguage', { language: 'da' });
    expect(result).toMatchObject({ ok: true, value: { language: 'da', languageSource: 'user' } });
    expect(first.emitted).toEqual([['settings.changed', (result as { value: Settings }).value]]);
    const dataDir = (await first.call('app.info')) as { value: { dataDir: string } };
    first.core.close();
    open.length = 0;
    expect(rows(dataDir.value.dataDir)).toEqual([{ key: 'language', value: '"da"' }]);

    const second = start({ dataDir: dataDir.value.dataDir, osLocales: ['sv-SE'] });
    expect(await second.call('settings.get')).toMatchObject({
      ok: true,
      value: { language: 'da', languageSource: 'user' },
    });
  });

  it('writes nothing and emits nothing for bad input', async () => {
    const { call, emitted, core } = start();
    const dataDir = core.handlers.app.info(undefined) as { dataDir: string };
    for (const [channel, input] of [
      ['settings.setLanguage', { language: 'fr' }],
      ['settings.setLanguage', 'de'],
      ['settings.setServerUrl', { serverUrl: 'http://clinicdesk.example.org' }],
      ['settings.setServerUrl', { serverUrl: 'x'.repeat(5000) }],
      ['settings.setCallStation', { enabled: 'yes' }],
      ['app.openLink', { link: 'https://evil.example' }],
    ] as const) {
      expect(await call(channel, input), channel).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(emitted).toEqual([]);
    expect(rows(dataDir.dataDir)).toEqual([]);
  });

  it('normalises a valid server URL to its origin', async () => {
    const { call } = start();
    expect(await call('settings.setServerUrl', { serverUrl: ' https://clinic.example.org/ ' })).toMatchObject({
      ok: true,
      value: { serverUrl: 'https://clinic.example.org' },
    });
  });

  it('treats a damaged stored value as unset', async () => {
    const { call, core } = start({ osLocales: ['da-DK'] });
    core.db
      .prepare(
        "INSERT INTO settings (key, value, updated_at) VALUES ('language', '\"klingon\"', ''), ('serverUrl', '{', '')",
      )
      .run();
    expect(await call('settings.get')).toMatchObject({
      ok: true,
      value: { language: 'da', languageSource: 'os', serverUrl: 'http://127.0.0.1:4780' },
    });
  });

  it('opens only links it built itself, in the user language', async () => {
    const { call, opened } = start({ osLocales: ['sv-SE'] });
    expect(await call('app.openLink', { link: 'help' })).toEqual({ ok: true, value: null });
    expect(opened).toEqual(['https://clinicdesk.app/sv/help']);
  });

  it('reports the app version and data folder', async () => {
    const { call } = start();
    expect(await call('app.info')).toMatchObject({ ok: true, value: { version: '1.2.3' } });
  });

  it('reports a log line, not a stack, when a handler fails unexpectedly', async () => {
    const { core } = start();
    const log = vi.fn();
    core.db.close(); // the database is gone under the handler
    const dispatch = createDispatcher({ handlers: core.handlers, isTrustedSender, log });
    expect(await dispatch('settings.setLanguage', { language: 'de' }, sender)).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Unexpected error' },
    });
    expect(log).toHaveBeenCalledOnce();
    open.length = 0;
  });
});
