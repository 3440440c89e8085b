/**
 * Screen sharing in Electron. `getDisplayMedia` first reaches the permission handler as `media`, then needs
 * a display-media request handler, without which it fails with NotSupportedError (Electron's session.md).
 * Ours answers only our own app's top frame; it lists screens and windows with `desktopCapturer` (main
 * process only since Electron 17) and lets the user choose in the app's own picker. Denying is
 * `callback(null)`: `callback({})` would throw inside the handler when video was requested. On macOS 15
 * and later the system picker is used instead (`useSystemPicker`), and this handler is not called.
 */
import type { DesktopCapturerSource, Session } from 'electron';
import { desktopCapturer } from 'electron';
import { APP_ORIGIN, isSameOrigin } from '../core/security/policy';
import type { ScreenChooser } from '../core/screen/screenChooser';

export function installDisplayMediaHandler(session: Session, chooser: ScreenChooser): void {
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      const deny = () => (callback as (streams: null) => void)(null);
      const frame = request.frame;
      // Only the app itself, from its top-level document (not a subframe, not another origin).
      if (!frame || frame.parent !== null || !isSameOrigin(request.securityOrigin, APP_ORIGIN)) return deny();
      if (!request.videoRequested) return deny();
      void (async () => {
        let sources: DesktopCapturerSource[];
        try {
          sources = await desktopCapturer.getSources({
            types: ['screen', 'window'],
            thumbnailSize: { width: 320, height: 180 },
            fetchWindowIcons: false,
          });
        } catch {
          return deny();
        }
        const chosen = await chooser.choose(
          sources.map((s) => ({
            id: s.id,
            name: s.name,
            kind: s.id.startsWith('screen:') ? ('screen' as const) : ('window' as const),
            thumbnail: s.thumbnail.toDataURL(),
          })),
        );
        const source = sources.find((s) => s.id === chosen);
        // No audio: loopback capture exists only on Windows, and the call's microphone already carries voice.
        if (source) callback({ video: source });
        else deny();
      })();
    },
    { useSystemPicker: true },
  );
}
