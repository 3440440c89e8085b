/**
 * Security decisions of the shell as plain functions, so they are unit-tested without Electron and shared
 * with the test bridge: the app's origin, the CSP, which permissions and senders are trusted, which
 * external links may be opened.
 */
import type { ExternalLink, Language } from '../../../src-preload/contract';

export const APP_SCHEME = 'app';
export const APP_HOST = 'clinicdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

const originOf = (url: string): string | null => {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  // Custom schemes report origin 'null'; rebuild it from scheme and host.
  return parsed.origin !== 'null' ? parsed.origin : `${parsed.protocol}//${parsed.host}`;
};

export const isSameOrigin = (url: string, origin: string): boolean => originOf(url) === origin;

/**
 * The renderer's Content-Security-Policy. Scripts only from our own origin, no eval, no plugins, no
 * framing; network only to our own origin and the ClinicDesk server (HTTP and its WebSocket).
 */
export function buildCsp(serverUrl: string): string {
  const server = originOf(serverUrl);
  const socket = server?.replace(/^http/, 'ws');
  const connect = ["'self'", server, socket].filter(Boolean).join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `media-src 'self' blob: mediastream:`,
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
  ].join('; ');
}

/**
 * Camera, microphone and screen capture for our own pages (video consultations), and writing to the
 * clipboard (copying the service PIN or an invitation link; never reading it); nothing else, for no one else.
 */
const GRANTABLE = new Set(['media', 'display-capture', 'fullscreen', 'clipboard-sanitized-write']);

export function isPermissionAllowed(
  permission: string,
  requestingUrl: string,
  appOrigin: string = APP_ORIGIN,
): boolean {
  return GRANTABLE.has(permission) && isSameOrigin(requestingUrl, appOrigin);
}

/** Only the top-level document of our own origin may call the bridge. */
export function isTrustedSender(
  sender: { url: string; isMainFrame: boolean },
  appOrigin: string = APP_ORIGIN,
): boolean {
  return sender.isMainFrame && isSameOrigin(sender.url, appOrigin);
}

/** Navigation inside the app is never allowed: every view is rendered in place. */
export const isNavigationAllowed = (): boolean => false;

const LINK_PATHS: Record<ExternalLink, string> = {
  help: 'help',
  privacy: 'privacy',
  networkTerms: 'network/terms',
};

/** External pages the app opens in the user's browser: built here, https only, on our own website. */
export const WEBSITE = 'https://clinicdesk.app';

export function buildExternalLink(link: ExternalLink, language: Language): string {
  const url = new URL(`/${language}/${LINK_PATHS[link]}`, WEBSITE);
  return url.toString();
}

/** A last check before handing a URL to the OS: https, on our website. */
export function isOpenableExternal(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' && parsed.origin === WEBSITE && !parsed.username && !parsed.password;
}

/**
 * The payment provider's hosted checkout (Stripe Checkout), the one other page the app opens in the
 * system browser: https on Stripe's checkout host only, whatever the server answered.
 */
export function isPaymentPage(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === 'https:' && parsed.host === 'checkout.stripe.com' && !parsed.username && !parsed.password;
}
