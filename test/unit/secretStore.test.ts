import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretStore, type Encryptor } from '../../src-main/core/secrets/secretStore';

/** A stand-in for safeStorage: reversible, and visibly not plain text. */
function fakeEncryptor(backend: string | undefined = 'gnome_libsecret', available = true): Encryptor {
  return {
    isEncryptionAvailable: () => available,
    storageBackend: () => backend,
    encryptString: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
    decryptString: (cipher) => {
      if (cipher.length === 0) throw new Error('cannot decrypt');
      return Buffer.from(cipher.map((b) => b ^ 0x5a)).toString('utf8');
    },
  };
}

const file = () => join(mkdtempSync(join(tmpdir(), 'clinicdesk-secrets-')), 'secrets.json');

describe('SecretStore', () => {
  it('keeps a secret encrypted and reads it back', () => {
    const path = file();
    const store = new SecretStore(path, fakeEncryptor());
    store.set('refreshToken', 'rt-very-secret');
    expect(readFileSync(path, 'utf8')).not.toContain('rt-very-secret');
    expect(new SecretStore(path, fakeEncryptor()).get('refreshToken')).toBe('rt-very-secret');
    store.delete('refreshToken');
    expect(store.get('refreshToken')).toBeNull();
    expect(existsSync(path)).toBe(false);
  });

  it("refuses to persist on Linux's basic_text backend and removes what was there", () => {
    const path = file();
    new SecretStore(path, fakeEncryptor()).set('refreshToken', 'old');
    const weak = new SecretStore(path, fakeEncryptor('basic_text'));
    expect(weak.canPersist()).toBe(false);
    expect(() => weak.set('refreshToken', 'new')).toThrowError(
      expect.objectContaining({ code: 'secret_store_unavailable' }),
    );
    expect(weak.get('refreshToken')).toBeNull();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to persist without OS encryption', () => {
    const store = new SecretStore(file(), fakeEncryptor(undefined, false));
    expect(() => store.set('k', 'v')).toThrowError(expect.objectContaining({ code: 'secret_store_unavailable' }));
  });

  it('reads a damaged file or an undecryptable value as absent', () => {
    const path = file();
    writeFileSync(path, '{not json');
    expect(new SecretStore(path, fakeEncryptor()).get('k')).toBeNull();
    writeFileSync(path, JSON.stringify({ k: '' }));
    expect(new SecretStore(path, fakeEncryptor()).get('k')).toBeNull();
    writeFileSync(path, JSON.stringify({ k: 42 }));
    expect(new SecretStore(path, fakeEncryptor()).get('k')).toBeNull();
  });
});
