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
  it('grants camera/microphone/screen only to our own origin and denies the rest', () => {
    const session = new FakeSession();
    installPermissionHandlers(session as never);
    const ask = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      session.requestHandler?.({}, permission, (value) => (granted = value), { requestingUrl });
      return granted;
    };
    expect(ask('media', 'app://clinicdesk/index.html')).toBe(true);
    expect(ask('display-capture', 'app://clinicdesk/index.html')).toBe(true);
    expect(ask('media', 'https://evil.example/')).toBe(false);
    expect(ask('geolocation', 'app://clinicdesk/index.html')).toBe(false);
    expect(ask('notifications', 'app://clinicdesk/index.html')).toBe(false);
    expect(ask('openExternal', 'app://clinicdesk/index.html')).toBe(false);
    expect(session.checkHandler?.({}, 'media', 'app://clinicdesk')).toBe(true);
    expect(session.checkHandler?.({}, 'media', 'https://evil.example')).toBe(false);
    expect(session.deviceHandler?.({ origin: 'app://clinicdesk' })).toBe(true);
    expect(session.deviceHandler?.({ origin: 'https://evil.example' })).toBe(false);
  });
});
