/**
 * The password policy (published, so the UI can tick each rule as the user types) and argon2id hashing.
 */
import argon2 from 'argon2';
import { ApiError } from '../http/apiError';

export const PASSWORD_POLICY = {
  minLength: 12,
  maxLength: 128,
  rules: ['length', 'lower', 'upper', 'digit', 'symbol', 'not_personal'] as const,
};
export type PasswordRule = (typeof PASSWORD_POLICY.rules)[number];

/** The rules a password breaks (empty when it passes). */
export function brokenRules(password: string, personal: readonly string[]): PasswordRule[] {
  const broken: PasswordRule[] = [];
  if (password.length < PASSWORD_POLICY.minLength || password.length > PASSWORD_POLICY.maxLength) broken.push('length');
  if (!/\p{Ll}/u.test(password)) broken.push('lower');
  if (!/\p{Lu}/u.test(password)) broken.push('upper');
  if (!/\d/.test(password)) broken.push('digit');
  if (!/[^\p{L}\d]/u.test(password)) broken.push('symbol');
  const lower = password.toLowerCase();
  if (personal.some((p) => p.length >= 3 && lower.includes(p.toLowerCase()))) broken.push('not_personal');
  return broken;
}

/** Refuses a password that breaks a rule, naming each broken rule (the UI ticks them off). */
export function assertPasswordPolicy(password: string, account: { username: string | null; email: string }): void {
  const broken = brokenRules(password, [account.username ?? '', account.email.split('@')[0] ?? '']);
  if (broken.length > 0)
    throw new ApiError(
      400,
      'password_policy',
      'The password does not meet the policy',
      broken.map((code) => ({ path: 'password', code: `password_${code}` })),
    );
}

/**
 * argon2id's cost: memory in KiB and passes over it. One lane: a hash keeps to one core, so a server's
 * sign-ins per second grow with its processes (issue 17), and a sign-in's cost is what a guess costs.
 */
export interface HashCost {
  memoryKiB: number;
  timeCost: number;
}

export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: HashCost) {}

  /** The hasher with the configuration's parameters (the server, and benchmarks measuring what it does). */
  static configured(config: { argon2MemoryKiB: number; argon2TimeCost: number }): PasswordHasher {
    return new PasswordHasher({ memoryKiB: config.argon2MemoryKiB, timeCost: config.argon2TimeCost });
  }

  private get options() {
    return { memoryCost: this.cost.memoryKiB, timeCost: this.cost.timeCost, parallelism: 1 };
  }

  hash(secret: string): Promise<string> {
    return argon2.hash(secret, { type: argon2.argon2id, ...this.options });
  }

  /** Checks a secret against a hash made with any parameters (they are read from the hash). */
  verify(hash: string, secret: string): Promise<boolean> {
    return argon2.verify(hash, secret).catch(() => false);
  }

  /**
   * Whether a stored hash was made with other parameters than the configured ones (an older default or
   * a changed configuration): it is replaced at the next successful sign-in, when the secret is at hand.
   */
  isOutdated(hash: string): boolean {
    try {
      return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, this.options);
    } catch {
      return true;
    }
  }

  /** Verifies against a throw-away hash, so an unknown username takes as long as a wrong password. */
  async verifyNobody(secret: string): Promise<false> {
    this.dummy ??= this.hash('clinicdesk-no-such-account');
    await this.verify(await this.dummy, secret);
    return false;
  }
}
