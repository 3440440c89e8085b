/** Random secrets (links, tokens, PINs) and how they are stored: never the secret, only its hash. */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 256 bits from the CSPRNG, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Tokens are high-entropy, so a fast hash is enough (and lets us look them up by hash). */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** An 8-digit service PIN. */
export const newPin = (): string => String(randomInt(0, 100_000_000)).padStart(8, '0');

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
