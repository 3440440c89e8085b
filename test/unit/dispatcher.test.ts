import { describe, expect, it, vi } from 'vitest';
import { buildClinicApi } from '../../src-preload/api';
import { commandEntries, serverUrlSchema, type CommandHandlers, type Settings } from '../../src-preload/contract';
import { AppError } from '../../src-main/core/errors';
import { createDispatcher, type Sender } from '../../src-main/core/ipc/dispatcher';
import { APP_ORIGIN, isTrustedSender } from '../../src-main/core/security/policy';

const settings: Settings = {
  language: 'en',
  languageSource: 'os',
  serverUrl: 'http://127.0.0.1:4780',
  callStation: false,
};
const app: Sender = { url: `${APP_ORIGIN}/index.html#/settings`, isMainFrame: true };

/** Only the groups these tests call; the dispatcher answers any other with an error result. */
function handlers(overrides: Partial<CommandHandlers['settings']> = {}): CommandHandlers {
  return {
    app: { info: () => ({ version: '1', dataDir: '/tmp' }), openLink: () => null },
    settings: {
      get: () => settings,
      setLanguage: vi.fn(({ language }) => ({ ...settings, language, languageSource: 'user' as const })),
      setServerUrl: vi.fn(({ serverUrl }) => ({ ...settings, serverUrl })),
      setCallStation: vi.fn(({ enabled }) => ({ ...settings, callStation: enabled })),
      ...overrides,
    },
  } as unknown as CommandHandlers;
}

describe('dispatcher', () => {
  it('runs a valid command and answers ok with its value', async () => {
    const h = handlers();
    const dispatch = createDispatcher({ handlers: h, isTrustedSender });
    const result = await dispatch('settings.setLanguage', { language: 'de' }, app);
    expect(result).toEqual({ ok: true, value: { ...settings, language: 'de', languageSource: 'user' } });
    expect(h.settings.setLanguage).toHaveBeenCalledWith({ language: 'de' });
  });

  it('refuses bad input with field issues and never calls the handler', async () => {
    const h = handlers();
    const dispatch = createDispatcher({ handlers: h, isTrustedSender });
    const result = await dispatch('settings.setLanguage', { language: 'fr' }, app);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ path: 'language', code: 'invalid_value' }] },
    });
    const extra = await dispatch('settings.setLanguage', { language: 'de', admin: true }, app);
    expect(extra).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ code: 'unrecognized_keys' }] } });
    const missing = await dispatch('settings.setLanguage', undefined, app);
    expect(missing).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(h.settings.setLanguage).not.toHaveBeenCalled();
  });

  it('uses our own issue keys for custom rules', async () => {
    const h = handlers();
    const dispatch = createDispatcher({ handlers: h, isTrustedSender });
    const result = await dispatch('settings.setServerUrl', { serverUrl: 'ftp://example.org' }, app);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ path: 'serverUrl', code: 'server_url_invalid' }] },
    });
    expect(h.settings.setServerUrl).not.toHaveBeenCalled();
  });

  it('refuses senders that are not the top frame of our origin', async () => {
    const h = handlers();
    const dispatch = createDispatcher({ handlers: h, isTrustedSender });
    for (const sender of [
      { url: 'https://evil.example/index.html', isMainFrame: true },
      { url: `${APP_ORIGIN}/index.html`, isMainFrame: false },
      { url: 'app://other/index.html', isMainFrame: true },
      { url: 'file:///etc/passwd', isMainFrame: true },
      { url: '', isMainFrame: true },
    ]) {
      const result = await dispatch('settings.setCallStation', { enabled: true }, sender);
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    }
    expect(h.settings.setCallStation).not.toHaveBeenCalled();
  });

  it('answers unknown commands without throwing', async () => {
    const dispatch = createDispatcher({ handlers: handlers(), isTrustedSender });
    expect(await dispatch('settings.dropAll', {}, app)).toMatchObject({
      ok: false,
      error: { code: 'unknown_command' },
    });
    expect(await dispatch('__proto__.constructor', {}, app)).toMatchObject({
      ok: false,
      error: { code: 'unknown_command' },
    });
  });

  it('turns an AppError into its code and anything else into internal, with no stack', async () => {
    const log = vi.fn();
    const dispatch = createDispatcher({
      handlers: handlers({
        setLanguage: () => {
          throw new AppError('db_too_new', 'too new');
        },
        setCallStation: () => {
          throw new TypeError('secret detail at /home/x');
        },
      }),
      isTrustedSender,
      log,
    });
    expect(await dispatch('settings.setLanguage', { language: 'sv' }, app)).toEqual({
      ok: false,
      error: { code: 'db_too_new', message: 'too new' },
    });
    const internal = await dispatch('settings.setCallStation', { enabled: true }, app);
    expect(internal).toEqual({ ok: false, error: { code: 'internal', message: 'Unexpected error' } });
    expect(JSON.stringify(internal)).not.toContain('secret detail');
    expect(log).toHaveBeenCalledOnce();
  });
});

describe('the API built from the contract', () => {
  it('exposes one function per command and routes it by channel', async () => {
    const invoke = vi.fn(async (channel: string) => ({ ok: true, value: channel }));
    const api = buildClinicApi({ invoke, subscribe: () => () => {} });
    for (const entry of commandEntries) {
      const group = (api as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>)[
        entry.group
      ];
      expect(typeof group?.[entry.name]).toBe('function');
      await expect(group![entry.name]!({})).resolves.toEqual({ ok: true, value: entry.channel });
    }
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('turns a transport failure into an error result instead of a rejection', async () => {
    const api = buildClinicApi({
      invoke: () => Promise.reject(new Error('gone')),
      subscribe: () => () => {},
    });
    await expect(api.settings.get()).resolves.toEqual({ ok: false, error: { code: 'internal', message: 'gone' } });
  });

  it('validates events on the receiving side and drops malformed ones', () => {
    let deliver: (payload: unknown) => void = () => {};
    const api = buildClinicApi({
      invoke: async () => null,
      subscribe: (_event, fn) => {
        deliver = fn;
        return () => {};
      },
    });
    const seen: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    api.on('app.navigate', (payload) => seen.push(payload));
    deliver({ view: 'patients' });
    deliver({ view: 'nowhere' });
    deliver('patients');
    expect(seen).toEqual([{ view: 'patients' }]);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

describe('server URL rule', () => {
  it.each([
    ['https://clinicdesk.example.org', 'https://clinicdesk.example.org'],
    ['  https://clinicdesk.example.org:8443/  ', 'https://clinicdesk.example.org:8443'],
    ['http://127.0.0.1:4780', 'http://127.0.0.1:4780'],
    ['http://localhost:4780/', 'http://localhost:4780'],
    ['http://[::1]:4780', 'http://[::1]:4780'],
  ])('accepts %s', (raw, origin) => {
    expect(serverUrlSchema.parse(raw)).toBe(origin);
  });

  it.each([
    'http://clinicdesk.example.org',
    'ftp://example.org',
    'javascript:alert(1)',
    'example.org',
    'https://u:p@example.org',
    'https://example.org/?token=1',
    '',
  ])('refuses %s', (raw) => {
    expect(serverUrlSchema.safeParse(raw).success).toBe(false);
  });
});
