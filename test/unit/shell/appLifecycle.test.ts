/**
 * The shell's identity and lifecycle with the OS (issue 14), against fakes that follow Electron's
 * documented behaviour: the Windows AppUserModelID equal to the installer's appId, the link scheme
 * registered with the Electron binary and the app's path in development, the Dock's `activate`, hiding a
 * full-screen window without leaving a black Space, and macOS's own consent for camera and microphone.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserWindow, FakeApp, FakeSession, systemPreferences } from './fakeElectron';
import { ROOT } from '../../harness/testBridge';

vi.mock('electron', () => import('./fakeElectron'));
const { APP_ID, hideToTray, identifyApp, registerLinkScheme, reopenOnActivate } =
  await import('../../../src-main/shell/appLifecycle');
const { installPermissionHandlers, macMediaAccess } = await import('../../../src-main/shell/security');

describe('app identity and links', () => {
  it('sets the installer’s appId as AppUserModelID on Windows, first, and nowhere else', () => {
    const builderAppId = /^appId: (\S+)$/m.exec(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'))?.[1];
    expect(APP_ID).toBe(builderAppId);
    const windows = new FakeApp();
    identifyApp(windows as never, 'win32');
    expect(windows.appUserModelId).toBe(APP_ID);
    for (const platform of ['darwin', 'linux'] as const) {
      const other = new FakeApp();
      identifyApp(other as never, platform);
      expect(other.appUserModelId).toBeUndefined();
    }
  });

  it('registers clinicdesk:// with the Electron binary and the app’s path in development, bare when packaged', () => {
    const dev = new FakeApp();
    registerLinkScheme(dev as never, {
      defaultApp: true,
      execPath: '/opt/electron/electron',
      argv: ['/opt/electron/electron', 'dist/main/main.cjs'],
    });
    expect(dev.isDefaultProtocolClient('clinicdesk', '/opt/electron/electron', [resolve('dist/main/main.cjs')])).toBe(
      true,
    );
    expect(dev.isDefaultProtocolClient('clinicdesk')).toBe(false); // not bare Electron
    const packaged = new FakeApp();
    registerLinkScheme(packaged as never, {
      execPath: '/opt/ClinicDesk/clinicdesk',
      argv: ['/opt/ClinicDesk/clinicdesk'],
    });
    expect(packaged.isDefaultProtocolClient('clinicdesk')).toBe(true);
    // Already registered: not written again at every start.
    registerLinkScheme(packaged as never, {
      execPath: '/opt/ClinicDesk/clinicdesk',
      argv: ['/opt/ClinicDesk/clinicdesk'],
    });
    expect(packaged.calls.filter((c) => c === 'setAsDefaultProtocolClient')).toHaveLength(1);
  });

  it('shows the window again when the Dock icon is clicked', () => {
    const app = new FakeApp();
    const show = vi.fn();
    reopenOnActivate(app as never, show);
    app.emit('activate', {}, false);
    expect(show).toHaveBeenCalledTimes(1);
  });

  it('leaves full screen before hiding to the tray on macOS (no black Space)', async () => {
    const window = new BrowserWindow({ webPreferences: {} });
    window.fullScreen = true;
    hideToTray(window as never, 'darwin');
    expect(window.hidden).toBe(false); // waits for the animation
    await vi.waitFor(() => expect(window.hidden).toBe(true));
    expect(window.blackSpace).toBe(false);
    const plain = new BrowserWindow({ webPreferences: {} });
    hideToTray(plain as never, 'win32');
    expect(plain.hidden).toBe(true);
  });
});

describe('macOS camera and microphone consent', () => {
  beforeEach(() => systemPreferences.reset());

  const request = (session: FakeSession, mediaTypes: ('video' | 'audio')[], url = 'app://clinicdesk/index.html') =>
    session.requestPermission('media', { requestingUrl: url, mediaTypes });

  it('asks the system for what the page wants, once, and grants only what the user allowed', async () => {
    const session = new FakeSession();
    installPermissionHandlers(session as never, macMediaAccess('darwin', systemPreferences));
    systemPreferences.decide.microphone = false;
    expect(await request(session, ['video', 'audio'])).toBe(false);
    expect(systemPreferences.prompts.sort()).toEqual(['camera', 'microphone']);
    expect(await request(session, ['video'])).toBe(true); // the camera was allowed
    expect(await request(session, ['audio'])).toBe(false); // refused before: no second prompt
    expect(systemPreferences.prompts).toHaveLength(2);
    // Another origin is refused before the system is asked.
    systemPreferences.reset();
    expect(await request(session, ['video'], 'https://evil.example/')).toBe(false);
    expect(systemPreferences.prompts).toEqual([]);
  });

  it('asks nothing outside macOS', async () => {
    expect(macMediaAccess('win32', systemPreferences)).toBeUndefined();
    const session = new FakeSession();
    installPermissionHandlers(session as never, macMediaAccess('linux', systemPreferences));
    expect(await request(session, ['video', 'audio'])).toBe(true);
    expect(systemPreferences.prompts).toEqual([]);
  });

  it('does not ask for the camera when the page shares its screen (media with no device types)', async () => {
    const session = new FakeSession();
    installPermissionHandlers(session as never, macMediaAccess('darwin', systemPreferences));
    systemPreferences.decide.camera = false;
    expect(await request(session, [])).toBe(true);
    expect(systemPreferences.prompts).toEqual([]);
  });
});
