import { keepsWindowsOnTop } from '../core/config';
import { BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { APP_ORIGIN } from '../core/security/policy';

export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export function createMainWindow(preload: string, options: { alwaysOnTop: boolean }): BrowserWindow {
  // The options are written here, where the window is made, so that a reader (or an auditor's scanner such as
  // Electronegativity) sees each security setting at the call: the renderer gets no Node, no remote content
  // and no way out of its sandbox.
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'ClinicDesk',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // A middle click must not open links in a new window (the `auxclick` event).
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: true,
      // The window holds the call socket and the ringtone while it sits in the tray: not throttled there.
      backgroundThrottling: false,
    },
  });
  if (options.alwaysOnTop) applyCallStation(window, true);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY);
  return window;
}

/**
 * A renderer that crashes or is killed leaves a blank window, and calls stop ringing. Electron reports it
 * as `render-process-gone` (reason `crashed`, `oom`, `killed`, …; `clean-exit` is a normal close): the app
 * is loaded again and the user is told. A renderer that keeps dying (three times within a minute) is not
 * reloaded in a loop; the user is told to restart.
 */
export function recoverRenderer(
  window: BrowserWindow,
  onGone: (details: { reason: string; reloaded: boolean }) => void,
  now: () => number = Date.now,
): void {
  const recent: number[] = [];
  window.webContents.on('render-process-gone', (_event, details: { reason: string; exitCode: number }) => {
    if (details.reason === 'clean-exit' || window.isDestroyed()) return;
    const at = now();
    recent.push(at);
    while (recent.length > 0 && recent[0]! <= at - 60_000) recent.shift();
    const reloaded = recent.length < 3;
    if (reloaded) void window.loadURL(APP_ENTRY);
    onGone({ reason: details.reason, reloaded });
  });
}

/**
 * Call-station mode keeps the window above everything, also above the taskbar and the Dock (the
 * `screen-saver` level; the default level sits under them) and on every workspace, full-screen ones
 * included. Wayland offers no always-on-top: true there when the request may have had no effect.
 */
export function applyCallStation(window: BrowserWindow, on: boolean, env = process.env): { unsupported: boolean } {
  window.setAlwaysOnTop(on, 'screen-saver');
  window.setVisibleOnAllWorkspaces(on, { visibleOnFullScreen: true });
  return { unsupported: on && !keepsWindowsOnTop(process.platform, env) };
}

/**
 * The app's own menu instead of Electron's default, whose View menu reloads the page with Ctrl+R (and so
 * drops a call) and opens the developer tools. macOS keeps the app, edit (copy and paste need it there)
 * and window menus; Windows and Linux need none (Chromium handles the clipboard keys itself).
 */
export function appMenuTemplate(platform: NodeJS.Platform): MenuItemConstructorOptions[] | null {
  if (platform !== 'darwin') return null;
  return [{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }];
}

/** What bringing the window forward needs of Electron's `app` (macOS only). */
export interface AppFocus {
  focus(options?: { steal: boolean }): void;
  dock?: { bounce(type?: 'critical' | 'informational'): number } | undefined;
}

/**
 * An incoming call or a knock brings the window forward by each platform's documented means: Windows
 * refuses to let an app steal the focus, so the window is shown and its taskbar button flashes until it
 * is focused (`flashFrame`); macOS may be asked to activate the app (`app.focus({ steal: true })`) and the
 * Dock icon bounces until then; Linux window managers take `show` and `focus`.
 */
export function bringForward(window: BrowserWindow, platform: NodeJS.Platform, app: AppFocus): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  if (platform === 'win32') {
    window.flashFrame(true);
    window.once('focus', () => window.flashFrame(false));
  }
  if (platform === 'darwin') {
    app.focus({ steal: true });
    app.dock?.bounce('critical');
  }
}
