import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSession, FakeWebContents, recorded } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { hardenWebContents, installPermissionHandlers } = await import('../../../src-main/shell/security');

const event = () => ({ preventDefault: vi.fn(), isMainFrame: true, url: '' });

describe('navigation guards', () => {
  beforeEach(() => recorded.reset());

  it('prevents every navigation and redirect of the page', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const name of ['will-navigate', 'will-redirect']) {
      for (const url of ['https://evil.example/', 'app://clinicdesk/other.html', 'file:///etc/passwd']) {
        const e = event();
        contents.emit(name, e, url);
        expect(e.preventDefault, `${name} ${url}`).toHaveBeenCalled();
      }
    }
  });

  it('blocks subframes of another origin and all webviews', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never);
    const frame = { ...event(), isMainFrame: false, url: 'https://evil.example' };
    contents.emit('will-frame-navigate', frame);
    expect(frame.preventDefault).toHaveBeenCalled();
    const webview = event();
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('denies window.open', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never);
    expect(contents.windowOpenHandler?.({ url: 'https://clinicdesk.app/en/help' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://clinicdesk/index.html' })).toEqual({ action: 'deny' });
  });
});

describe('permission handler', () => {
  it('grants camera/microphone/screen only to our own origin and denies the rest', async () => {
    const session = new FakeSession();
    installPermissionHandlers(session as never);
    // Electron passes a null web contents where the request does not come from one (session.md).
    const ask = (permission: string, requestingUrl: string, mediaTypes?: ('video' | 'audio')[]) =>
      session.requestPermission(permission, { requestingUrl, ...(mediaTypes ? { mediaTypes } : {}) });
    expect(await ask('media', 'app://clinicdesk/index.html', ['video', 'audio'])).toBe(true);
    // Screen capture arrives as `media` with no device types (web_contents_permission_helper.cc lists
    // only camera and microphone).
    expect(await ask('media', 'app://clinicdesk/index.html', [])).toBe(true);
    expect(await ask('display-capture', 'app://clinicdesk/index.html')).toBe(true);
    expect(await ask('media', 'https://evil.example/', [])).toBe(false);
    expect(await ask('geolocation', 'app://clinicdesk/index.html')).toBe(false);
    expect(await ask('notifications', 'app://clinicdesk/index.html')).toBe(false);
    expect(await ask('openExternal', 'app://clinicdesk/index.html')).toBe(false);
    expect(session.checkHandler?.({}, 'media', 'app://clinicdesk')).toBe(true);
    expect(session.checkHandler?.({}, 'media', 'https://evil.example')).toBe(false);
    expect(session.deviceHandler?.({ origin: 'app://clinicdesk' })).toBe(true);
    expect(session.deviceHandler?.({ origin: 'https://evil.example' })).toBe(false);
  });
});
