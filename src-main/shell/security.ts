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

export function installPermissionHandlers(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  // Device lists (camera/microphone choice) only for our own origin as well.
  session.setDevicePermissionHandler((details) => isSameOrigin(details.origin, APP_ORIGIN));
}
