import type { ServerMigration } from './index';

/**
 * Guest invitations (an unguessable link and a 9-digit code, both stored hashed, one guest each) and the
 * failed code attempts per address that drive the lockout.
 */
export const m005Calls: ServerMigration = {
  version: 5,
  name: 'calls',
  async up(db) {
    await db.schema
      .createTable('call_invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('organisation_id', 'text')
      .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('appointment_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('redeemed_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('guest_token_hash', 'text', (c) => c.unique())
      .addColumn('guest_name', 'text')
      .addColumn('consent_at', 'bigint')
      .execute();
    await db.schema.createIndex('call_invitations_by_code').on('call_invitations').column('code_hash').execute();
    await db.schema.createIndex('call_invitations_by_account').on('call_invitations').column('account_id').execute();
    await db.schema
      .createTable('code_failures')
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('code_failures_by_address').on('code_failures').columns(['address', 'at']).execute();
  },
};
