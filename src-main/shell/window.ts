import { BrowserWindow, type WebPreferences } from 'electron';
import { APP_ORIGIN } from '../core/security/policy';

/** The renderer gets no Node, no remote content and no way out of its sandbox. */
export const secureWebPreferences = (preload: string): WebPreferences => ({
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
  safeDialogs: true,
  spellcheck: true,
});

export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export function createMainWindow(preload: string, options: { alwaysOnTop: boolean }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'ClinicDesk',
    alwaysOnTop: options.alwaysOnTop,
    backgroundColor: '#f6f7f9',
    webPreferences: secureWebPreferences(preload),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY);
  return window;
}
