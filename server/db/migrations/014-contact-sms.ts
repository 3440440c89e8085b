import type { ServerMigration } from './index';

/**
 * The outcome of each SMS to a contact (issue 18): a row per idempotency key, written in the debit's
 * transaction ('sending') and settled after the carrier answered ('sent', or 'failed' with the refund in
 * the same transaction). A repeat of the key (a double click, a retry) answers with this outcome instead
 * of "sent" as soon as the first request held the debit.
 */
export const m014ContactSms: ServerMigration = {
  version: 14,
  name: 'contact-sms',
  async up(db) {
    await db.schema
      .createTable('contact_sms')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('failure', 'text')
      .addColumn('parts', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
