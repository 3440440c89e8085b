import type { ServerMigration } from './index';

/** SMS two-factor: the verified phone, the switch, and short-lived codes (stored hashed, attempts counted). */
export const m003TwoFactor: ServerMigration = {
  version: 3,
  name: 'two-factor',
  async up(db) {
    await db.schema.alterTable('accounts').addColumn('phone', 'text').execute();
    await db.schema
      .alterTable('accounts')
      .addColumn('two_factor', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('sms_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('challenge_hash', 'text', (c) => c.unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('sms_codes_by_account').on('sms_codes').columns(['account_id', 'created_at']).execute();
  },
};
