import { BrowserWindow } from 'electron';
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
    alwaysOnTop: options.alwaysOnTop,
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
    },
  });
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
