/** Where the desktop keeps the server's refresh token: the OS-encrypted SecretStore, or memory only. */
import type { SecretStore } from '../secrets/secretStore';

export interface TokenStore {
  get(): string | null;
  /** False when the token could not be kept across restarts (it still lives in memory). */
  set(token: string): boolean;
  clear(): void;
}

const KEY = 'server.refreshToken';

export function secretTokenStore(store: SecretStore): TokenStore {
  return {
    get: () => store.get(KEY),
    set: (token) => {
      try {
        store.set(KEY, token);
        return true;
      } catch {
        return false; // no OS encryption: never written in plain text
      }
    },
    clear: () => store.delete(KEY),
  };
}
