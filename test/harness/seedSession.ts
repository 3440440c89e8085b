/**
 * A registered, licensed individual account with a live session, written straight into a server's
 * database (no argon2, no mail): for benchmarks and for tests that start the server as a real process
 * after seeding its database. Returns the account id; `token` is the access token to use.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashToken } from '../../server/accounts/secrets';
import type { ServerDatabase } from '../../server/db/schema';

export async function seedSession(db: Kysely<ServerDatabase>, token: string, username: string): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await db
    .insertInto('accounts')
    .values({
      id,
      email: `${username}@seeded.invalid`,
      name: username,
      username,
      role: 'member',
      organisation_id: null,
      status: 'active',
      language: 'en',
      created_at: now,
      activated_at: now,
      registered_at: now,
      licence: 1,
    })
    .execute();
  await db
    .insertInto('sessions')
    .values({
      id: randomUUID(),
      account_id: id,
      family_id: randomUUID(),
      refresh_hash: await hashToken(`r${token}`),
      access_hash: await hashToken(token),
      access_expires_at: now + 3_600_000,
      refresh_expires_at: now + 3_600_000,
      created_at: now,
    })
    .execute();
  return id;
}
