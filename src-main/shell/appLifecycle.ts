/**
 * The app's identity and lifecycle with the operating system, by Electron's documentation (app.md,
 * browser-window.md), separate from main.ts so the unit tests can drive it with a fake `app`:
 * - Windows: the AppUserModelID is the installer's appId, set before anything else — otherwise toasts are
 *   attributed to "Electron" and the Start-menu shortcut is rewritten.
 * - clinicdesk:// at run time: in development (`electron .`, `process.defaultApp`) the registration must
 *   name the Electron binary and the app's path, or Windows starts bare Electron with the link.
 * - macOS: a click on the Dock icon (`activate`) shows the window that was closed to the tray; a full-screen
 *   window leaves full screen before it hides, or its Space stays black.
 */
import { resolve } from 'node:path';
import type { App, BrowserWindow } from 'electron';

/** The installer's appId (electron-builder.yml); the packaging test holds the two together. */
export const APP_ID = 'app.clinicdesk.desktop';
export const LINK_SCHEME = 'clinicdesk';

type LifecycleApp = Pick<App, 'setAppUserModelId' | 'isDefaultProtocolClient' | 'setAsDefaultProtocolClient' | 'on'>;

export function identifyApp(app: Pick<App, 'setAppUserModelId'>, platform: NodeJS.Platform): void {
  if (platform === 'win32') app.setAppUserModelId(APP_ID);
}

export function registerLinkScheme(
  app: Pick<LifecycleApp, 'isDefaultProtocolClient' | 'setAsDefaultProtocolClient'>,
  run: { defaultApp?: boolean; execPath: string; argv: readonly string[] },
): void {
  if (run.defaultApp) {
    // `electron path/to/app`: argv[1] is the app's path (app.md, setAsDefaultProtocolClient).
    const appPath = run.argv[1];
    if (appPath && !app.isDefaultProtocolClient(LINK_SCHEME, run.execPath, [resolve(appPath)]))
      app.setAsDefaultProtocolClient(LINK_SCHEME, run.execPath, [resolve(appPath)]);
    return;
  }
  if (!app.isDefaultProtocolClient(LINK_SCHEME)) app.setAsDefaultProtocolClient(LINK_SCHEME);
}

/** macOS: the Dock icon brings back the window kept in the tray. */
export function reopenOnActivate(app: Pick<App, 'on'>, show: () => void): void {
  app.on('activate', () => show());
}

/** Closing to the tray: out of full screen first on macOS (else a black Space stays behind), then hidden. */
export function hideToTray(
  window: Pick<BrowserWindow, 'isFullScreen' | 'setFullScreen' | 'once' | 'hide'>,
  platform: NodeJS.Platform,
): void {
  if (platform === 'darwin' && window.isFullScreen()) {
    window.once('leave-full-screen', () => window.hide());
    window.setFullScreen(false);
    return;
  }
  window.hide();
}
