import { sql, type Expression, type SqlBool } from 'kysely';
import type { ServerMigration } from './index';

/**
 * Accounts, organisations, registration links and sessions. Secrets are never stored: passwords and PINs
 * as argon2id hashes, links and tokens as SHA-256 of 256-bit random values.
 */
export const m002Accounts: ServerMigration = {
  version: 2,
  name: 'accounts',
  async up(db) {
    await db.schema
      .createTable('organisations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('username', 'text', (c) => c.unique())
      .addColumn('password_hash', 'text')
      .addColumn('pin_hash', 'text')
      .addColumn('role', 'text', (c) => c.notNull().check(sqlIn('role', ['member', 'org_admin', 'service_admin'])))
      .addColumn('organisation_id', 'text', (c) => c.references('organisations.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sqlIn('status', ['invited', 'active', 'deactivated'])))
      .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('activated_at', 'bigint')
      .execute();
    await db.schema
      .createTable('registration_links')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('family_id', 'text', (c) => c.notNull())
      .addColumn('refresh_hash', 'text', (c) => c.notNull().unique())
      .addColumn('access_hash', 'text', (c) => c.notNull().unique())
      .addColumn('access_expires_at', 'bigint', (c) => c.notNull())
      .addColumn('refresh_expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('rotated_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('sessions_by_family').on('sessions').column('family_id').execute();
  },
};

function sqlIn(column: string, values: string[]): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}
