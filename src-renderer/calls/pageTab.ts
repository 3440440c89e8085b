/**
 * The id of this browser tab for the signalling handshake (`tab`, see protocol/calls `handshakeSchema`):
 * kept in sessionStorage, which a reload keeps and another tab or device does not share, so the server
 * can tell "this page loaded again" (bring it back into its call) from "a second device" (leave the
 * first alone). Without sessionStorage (blocked storage) the socket simply says nothing.
 */
import { TAB_ID } from '../../protocol/calls';

const KEY = 'clinicdesk.tab';

type TabStorage = Pick<Storage, 'getItem' | 'setItem'>;

const sessionStorageOrNull = (): TabStorage | null => {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled by the browser's settings
  }
};

/** 22 characters of base64url from 16 random bytes (getRandomValues works outside secure contexts too). */
const newTabId = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

export function pageTabId(storage: TabStorage | null = sessionStorageOrNull()): string | null {
  if (!storage) return null;
  try {
    const kept = storage.getItem(KEY);
    if (kept && TAB_ID.test(kept)) return kept;
    const id = newTabId();
    storage.setItem(KEY, id);
    return id;
  } catch {
    return null;
  }
}
