/**
 * Secrets (the server session's refresh token) encrypted by the OS keychain through an Encryptor — Electron's
 * safeStorage in the app. Where the OS offers no real encryption (Linux 'basic_text'), nothing is persisted:
 * the user signs in again instead of us writing a token in plain text.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../errors';

export interface Encryptor {
  isEncryptionAvailable(): boolean;
  /** Linux only: 'basic_text' means a hard-coded key, i.e. no protection. Other platforms: undefined. */
  storageBackend(): string | undefined;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
}

const fileSchema = z.record(z.string(), z.string());

export class SecretStore {
  constructor(
    private readonly file: string,
    private readonly encryptor: Encryptor,
  ) {}

  /** True when secrets can be kept across restarts on this machine. */
  canPersist(): boolean {
    return this.encryptor.isEncryptionAvailable() && this.encryptor.storageBackend() !== 'basic_text';
  }

  set(key: string, secret: string): void {
    if (!this.canPersist()) {
      this.delete(key); // never leave an older copy behind either
      throw new AppError('secret_store_unavailable', 'No OS encryption is available to keep this secret');
    }
    const all = this.readAll();
    all[key] = this.encryptor.encryptString(secret).toString('base64');
    this.writeAll(all);
  }

  /** The secret, or null when absent, unreadable or not protectable (the caller asks to sign in again). */
  get(key: string): string | null {
    if (!this.canPersist()) return null;
    const cipher = this.readAll()[key];
    if (cipher === undefined) return null;
    try {
      return this.encryptor.decryptString(Buffer.from(cipher, 'base64'));
    } catch {
      return null;
    }
  }

  delete(key: string): void {
    const all = this.readAll();
    if (!(key in all)) return;
    delete all[key];
    this.writeAll(all);
  }

  private readAll(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  private writeAll(all: Record<string, string>): void {
    if (Object.keys(all).length === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    // Write then rename, so a crash never leaves a half-written file.
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
