/** Guards every web contents and the session: no navigation, no new windows, permissions by origin. */
import type { Session, WebContents } from 'electron';
import { isNavigationAllowed, isPermissionAllowed, isSameOrigin, APP_ORIGIN } from '../core/security/policy';

export function hardenWebContents(contents: WebContents): void {
  const block = (event: { preventDefault(): void }, url: string): void => {
    if (!isNavigationAllowed()) {
      event.preventDefault();
      console.warn(`clinicdesk: blocked navigation to ${new URL(url).origin}`);
    }
  };
  contents.on('will-navigate', (event, url) => block(event, url));
  contents.on('will-redirect', (event, url) => block(event, url));
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && !isSameOrigin(event.url, APP_ORIGIN)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * macOS's own consent for camera and microphone (systemPreferences.askForMediaAccess): the system asks once
 * per app; Chromium's permission alone does not open the devices of a signed, hardened app.
 */
export interface MediaAccess {
  ask(device: 'camera' | 'microphone'): Promise<boolean>;
}

/** Electron's `systemPreferences` on macOS; nothing elsewhere (the OS does not ask there). */
export function macMediaAccess(
  platform: NodeJS.Platform,
  preferences: {
    getMediaAccessStatus(device: 'camera' | 'microphone'): string;
    askForMediaAccess(device: 'camera' | 'microphone'): Promise<boolean>;
  },
): MediaAccess | undefined {
  if (platform !== 'darwin') return undefined;
  return {
    // "granted" needs no question; "denied"/"restricted" answer false at once (macOS asks only once).
    ask: async (device) =>
      preferences.getMediaAccessStatus(device) === 'granted' || (await preferences.askForMediaAccess(device)),
  };
}

export function installPermissionHandlers(session: Session, mediaAccess?: MediaAccess): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const allowed = isPermissionAllowed(permission, details.requestingUrl);
    const types = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    if (!allowed || permission !== 'media' || !mediaAccess || types.length === 0) return callback(allowed);
    // Our own page asks for the camera and/or the microphone: the operating system must agree as well.
    const devices = types.map((type): 'camera' | 'microphone' => (type === 'video' ? 'camera' : 'microphone'));
    void Promise.all(devices.map((device) => mediaAccess.ask(device)))
      .then((answers) => callback(answers.every(Boolean)))
      .catch(() => callback(false));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  // Device lists (camera/microphone choice) only for our own origin as well.
  session.setDevicePermissionHandler((details) => isSameOrigin(details.origin, APP_ORIGIN));
}
