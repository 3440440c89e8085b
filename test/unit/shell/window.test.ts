import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserWindow, recorded } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { appMenuTemplate, applyCallStation, createMainWindow } = await import('../../../src-main/shell/window');

describe('main window', () => {
  beforeEach(() => recorded.reset());

  it('isolates and sandboxes the renderer, with web security on', () => {
    createMainWindow('/app/dist/preload/preload.cjs', { alwaysOnTop: false });
    const [window] = BrowserWindow.instances;
    expect(window?.options.webPreferences).toMatchObject({
      preload: '/app/dist/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('loads the app from app://clinicdesk, not file://', () => {
    createMainWindow('/p.cjs', { alwaysOnTop: false });
    expect(BrowserWindow.instances[0]?.loadedUrl).toBe('app://clinicdesk/index.html');
  });

  it('stays on top in call-station mode, above the taskbar and the Dock, on every workspace', () => {
    createMainWindow('/p.cjs', { alwaysOnTop: true });
    const window = BrowserWindow.instances[0]!;
    expect(window.alwaysOnTop).toBe(true);
    expect(window.alwaysOnTopLevel).toBe('screen-saver');
    expect(window.visibleOnAllWorkspaces).toEqual({ on: true, options: { visibleOnFullScreen: true } });
    expect(applyCallStation(window as never, false, {}).unsupported).toBe(false);
    expect(window.alwaysOnTop).toBe(false);
  });

  it('is not throttled in the background (it rings from the tray)', () => {
    createMainWindow('/p.cjs', { alwaysOnTop: false });
    expect(BrowserWindow.instances[0]!.options.webPreferences.backgroundThrottling).toBe(false);
  });

  it('has no menu that reloads the page (Ctrl+R would drop a call); macOS keeps its app, edit and window menus', () => {
    expect(appMenuTemplate('win32')).toBeNull();
    expect(appMenuTemplate('linux')).toBeNull();
    const mac = appMenuTemplate('darwin')!;
    expect(mac.map((item) => item.role)).toEqual(['appMenu', 'editMenu', 'windowMenu']);
    expect(JSON.stringify(mac)).not.toMatch(/reload|toggleDevTools|viewMenu/);
  });

  it('switches on only the security options, nothing that loosens them', () => {
    createMainWindow('/x', { alwaysOnTop: false });
    const prefs = BrowserWindow.instances[0]!.options.webPreferences as Record<string, unknown>;
    expect(
      Object.entries(prefs)
        .filter(([k, v]) => k !== 'preload' && k !== 'spellcheck' && k !== 'safeDialogs' && v === true)
        .map(([k]) => k)
        .sort(),
    ).toEqual(['contextIsolation', 'sandbox', 'webSecurity']);
  });
});

describe('a renderer that goes away', () => {
  it('is loaded again and the user is told; a renderer that keeps crashing is not reloaded in a loop', async () => {
    const { recoverRenderer } = await import('../../../src-main/shell/window');
    const window = new BrowserWindow({ webPreferences: {} });
    const told: { reason: string; reloaded: boolean }[] = [];
    let clock = 0;
    recoverRenderer(
      window as never,
      (d) => told.push(d),
      () => clock,
    );
    window.webContents.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(told).toEqual([]);
    window.loadedUrl = '';
    window.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(window.loadedUrl).toBe('app://clinicdesk/index.html');
    clock += 1_000;
    window.webContents.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    clock += 1_000;
    window.loadedUrl = '';
    window.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(window.loadedUrl).toBe('');
    expect(told).toEqual([
      { reason: 'crashed', reloaded: true },
      { reason: 'oom', reloaded: true },
      { reason: 'crashed', reloaded: false },
    ]);
  });
});

describe('an incoming call', () => {
  it("brings the window forward by each platform's means", async () => {
    const { bringForward } = await import('../../../src-main/shell/window');
    const calls: string[] = [];
    const app = {
      focus: (o?: { steal: boolean }) => calls.push(`focus:${o?.steal}`),
      dock: { bounce: (t?: string) => (calls.push(`bounce:${t}`), 1) },
    };
    const windows = new BrowserWindow({ webPreferences: {} });
    windows.minimized = true;
    bringForward(windows as never, 'win32', app);
    expect(windows).toMatchObject({ minimized: false, shown: true, focused: true, flashing: true });
    expect(calls).toEqual([]); // Windows does not let an app steal the focus: the taskbar button flashes
    windows.emit('focus');
    expect(windows.flashing).toBe(false); // until the user comes to the window
    const mac = new BrowserWindow({ webPreferences: {} });
    bringForward(mac as never, 'darwin', app);
    expect(calls).toEqual(['focus:true', 'bounce:critical']);
    expect(mac.flashing).toBe(false);
  });
});
