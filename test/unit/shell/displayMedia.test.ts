/**
 * Screen sharing in the shell, against a fake session that answers as Electron's does (a missing handler
 * is "Not supported", `callback({})` with video requested throws, `callback(null)` denies cleanly).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ScreenChooser } from '../../../src-main/core/screen/screenChooser';
import { desktopCapturer, FakeSession, type DisplayMediaRequest } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { installDisplayMediaHandler } = await import('../../../src-main/shell/displayMedia');

const request = (overrides: Partial<DisplayMediaRequest> = {}): DisplayMediaRequest => ({
  frame: { url: 'app://clinicdesk/index.html', parent: null },
  securityOrigin: 'app://clinicdesk',
  videoRequested: true,
  audioRequested: false,
  userGesture: true,
  ...overrides,
});

describe('screen sharing', () => {
  let session: FakeSession;
  let asked: { requestId: string; sources: { id: string; kind: string }[] }[];
  let chooser: ScreenChooser;

  beforeEach(() => {
    session = new FakeSession();
    asked = [];
    chooser = new ScreenChooser((payload) => asked.push(payload));
    desktopCapturer.sources = [
      { id: 'screen:1:0', name: 'Entire Screen', png: 'AAAA' },
      { id: 'window:42:0', name: 'Befund.pdf', png: 'BBBB' },
    ];
  });

  it('fails without a handler, as in Electron (why it never worked in the app)', async () => {
    await expect(session.requestDisplayMedia(request())).rejects.toThrow('Not supported');
  });

  it("lists screens and windows for the app's picker and shares the one the user chose", async () => {
    installDisplayMediaHandler(session as never, chooser);
    expect(session.displayMediaOptions).toEqual({ useSystemPicker: true });
    const pending = session.requestDisplayMedia(request());
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]!.sources).toEqual([
      { id: 'screen:1:0', name: 'Entire Screen', kind: 'screen', thumbnail: 'data:image/png;base64,AAAA' },
      { id: 'window:42:0', name: 'Befund.pdf', kind: 'window', thumbnail: 'data:image/png;base64,BBBB' },
    ]);
    chooser.answer(asked[0]!.requestId, 'window:42:0');
    expect(await pending).toMatchObject({ granted: { video: { id: 'window:42:0', name: 'Befund.pdf' } } });
  });

  it('denies cleanly when the user cancels, or answers with a source that was not offered', async () => {
    installDisplayMediaHandler(session as never, chooser);
    const cancelled = session.requestDisplayMedia(request());
    await expect.poll(() => asked.length).toBe(1);
    chooser.answer(asked[0]!.requestId, null);
    expect(await cancelled).toEqual({ denied: true });
    const forged = session.requestDisplayMedia(request());
    await expect.poll(() => asked.length).toBe(2);
    chooser.answer(asked[1]!.requestId, 'screen:99:0');
    expect(await forged).toEqual({ denied: true });
  });

  it('answers only the app itself from its top frame, without listing anything', async () => {
    installDisplayMediaHandler(session as never, chooser);
    expect(await session.requestDisplayMedia(request({ securityOrigin: 'https://evil.example' }))).toEqual({
      denied: true,
    });
    expect(await session.requestDisplayMedia(request({ frame: { url: 'app://clinicdesk/x', parent: {} } }))).toEqual({
      denied: true,
    });
    expect(await session.requestDisplayMedia(request({ frame: null }))).toEqual({ denied: true });
    expect(asked).toEqual([]);
  });

  it('ends a question nobody answers as cancelled', async () => {
    vi.useFakeTimers();
    try {
      const slow = new ScreenChooser(() => {}, 1_000);
      const answer = slow.choose([
        { id: 'screen:1:0', name: 'x', kind: 'screen', thumbnail: 'data:image/png;base64,' },
      ]);
      vi.advanceTimersByTime(1_001);
      expect(await answer).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
