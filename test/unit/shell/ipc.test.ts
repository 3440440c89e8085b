import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  COMMAND_PREFIX,
  commandEntries,
  EVENT_PREFIX,
  type CommandHandlers,
  type Language,
} from '../../../src-preload/contract';
import { FakeWebContents, recorded } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { registerIpc, sendEvent } = await import('../../../src-main/shell/ipc');
const { createDispatcher } = await import('../../../src-main/core/ipc/dispatcher');
const { isTrustedSender } = await import('../../../src-main/core/security/policy');
const { ipcMain } = await import('./fakeElectron');

const settings = {
  language: 'en',
  languageSource: 'os',
  serverUrl: 'http://127.0.0.1:4780',
  callStation: false,
} as const;

describe('IPC registration', () => {
  beforeEach(() => recorded.reset());

  const setup = () => {
    const setLanguage = vi.fn(({ language }: { language: Language }) => ({ ...settings, language }));
    const dispatch = createDispatcher({
      handlers: {
        app: { info: () => ({ version: '1', dataDir: '/d' }), openLink: () => null },
        settings: { get: () => settings, setLanguage, setServerUrl: () => settings, setCallStation: () => settings },
      } as unknown as CommandHandlers,
      isTrustedSender,
    });
    registerIpc(ipcMain as never, dispatch);
    return { setLanguage };
  };

  const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });

  it('registers exactly one handler per command of the contract', () => {
    setup();
    expect([...recorded.ipcHandlers.keys()].sort()).toEqual(
      commandEntries.map((e) => COMMAND_PREFIX + e.channel).sort(),
    );
  });

  it('checks the sender frame before anything runs', async () => {
    const { setLanguage } = setup();
    const handler = recorded.ipcHandlers.get(`${COMMAND_PREFIX}settings.setLanguage`)!;
    expect(await handler(frame('app://clinicdesk/index.html'), { language: 'de' })).toMatchObject({ ok: true });
    expect(await handler(frame('https://evil.example/'), { language: 'de' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden_sender' },
    });
    expect(await handler(frame('app://clinicdesk/index.html', {}), { language: 'de' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden_sender' },
    });
    expect(await handler({ senderFrame: null }, { language: 'de' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden_sender' },
    });
    expect(setLanguage).toHaveBeenCalledTimes(1);
  });

  it('validates input on the main side', async () => {
    setup();
    const handler = recorded.ipcHandlers.get(`${COMMAND_PREFIX}settings.setLanguage`)!;
    expect(await handler(frame('app://clinicdesk/index.html'), { language: 'xx' })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
  });

  it('sends events on their own prefixed channel', () => {
    const contents = new FakeWebContents();
    sendEvent(contents as never, 'app.navigate', { view: 'calls' });
    expect(contents.sent).toEqual([[`${EVENT_PREFIX}app.navigate`, { view: 'calls' }]]);
  });
});
