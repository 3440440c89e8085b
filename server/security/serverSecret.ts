/**
 * The installation's own secret: the key of the HMAC that stores patients' access codes. A 9-digit code
 * stored as a plain SHA-256 falls to an exhaustive search in minutes once the database is stolen; keyed
 * with a secret that lives outside the database, it does not. Every process of one installation needs the
 * same key: set `serverSecret` (CLINICDESK_SERVER_SECRET) there; a single server creates one in its data
 * folder (server.key, readable by its user only) at first start.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'server.key';

export function loadServerSecret(options: { serverSecret?: string; dataDir: string }): string {
  if (options.serverSecret) return options.serverSecret;
  const file = join(options.dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it at the same moment: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

/** A keyed hash for short secrets (access codes): HMAC-SHA256 under the installation's secret. */
export const keyedHash =
  (secret: string, purpose: string) =>
  (value: string): string =>
    createHmac('sha256', secret).update(`${purpose}:${value}`).digest('hex');
