import { safeStorage } from 'electron';
import type { Encryptor } from '../core/secrets/secretStore';

/** Electron safeStorage behind the core's Encryptor interface (replaces the archived keytar). */
export const safeStorageEncryptor: Encryptor = {
  isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
  storageBackend: () => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined),
  encryptString: (plain) => safeStorage.encryptString(plain),
  decryptString: (cipher) => safeStorage.decryptString(cipher),
};
