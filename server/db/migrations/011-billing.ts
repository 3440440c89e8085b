import type { ServerMigration } from './index';

/**
 * Subscriptions and invoices (issue 11). `subscriptions` has one row per paying party: an individual
 * account (`acct:<id>`) or an organisation (`org:<id>`), the same key the practice's synced data has.
 * `payments` are charges with their idempotency key (unique per owner): a double click or a retried
 * request finds the payment that exists. `invoices` are the legal record: a snapshot of the customer,
 * the lines and the totals, numbered from `invoice_counters` inside the payment's transaction, so that
 * the numbers of one year have no gaps even when two payments complete at once. `billing_events` holds
 * the ids of provider webhooks applied (a webhook delivered twice applies once) and of reminder mails
 * sent (each once). Accounts get `erase_at`, for deleting an account as its own action: the erasure of
 * personal data is scheduled then, instead of following the end of a contract.
 */
export const m011Billing: ServerMigration = {
  version: 11,
  name: 'billing',
  async up(db) {
    await db.schema
      .createTable('subscriptions')
      .addColumn('owner', 'text', (c) => c.primaryKey())
      .addColumn('plan', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('billing_source', 'text', (c) => c.notNull().defaultTo('card'))
      .addColumn('trial_ends_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('current_period_start', 'bigint')
      .addColumn('current_period_end', 'bigint')
      .addColumn('ends_at', 'bigint')
      .addColumn('currency', 'text')
      .addColumn('seats', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('card_brand', 'text')
      .addColumn('card_last4', 'text')
      .addColumn('provider', 'text')
      .addColumn('provider_customer', 'text')
      .addColumn('provider_method', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('subscriptions_by_status').on('subscriptions').columns(['status']).execute();

    await db.schema
      .createTable('payments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('quote', 'text', (c) => c.notNull())
      .addColumn('voucher', 'text')
      .addColumn('amount_minor', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_ref', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('payments_once', ['owner', 'idempotency_key'])
      .execute();

    await db.schema
      .createTable('vouchers')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text')
      .addColumn('valid_from', 'bigint')
      .addColumn('valid_to', 'bigint')
      .addColumn('max_redemptions', 'integer')
      .addColumn('redemptions', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('plans', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('invoice_counters')
      .addColumn('year', 'integer', (c) => c.primaryKey())
      .addColumn('last', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('invoices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('number', 'text', (c) => c.notNull().unique())
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('payment_id', 'text', (c) => c.notNull().unique())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('customer', 'text', (c) => c.notNull())
      .addColumn('lines', 'text', (c) => c.notNull())
      .addColumn('net_minor', 'bigint', (c) => c.notNull())
      .addColumn('vat_rate_bp', 'integer', (c) => c.notNull())
      .addColumn('vat_minor', 'bigint', (c) => c.notNull())
      .addColumn('total_minor', 'bigint', (c) => c.notNull())
      .addColumn('period_start', 'bigint')
      .addColumn('period_end', 'bigint')
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('invoices_gapless', ['year', 'seq'])
      .execute();
    await db.schema.createIndex('invoices_by_owner').on('invoices').columns(['owner', 'issued_at']).execute();

    await db.schema
      .createTable('billing_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema.alterTable('accounts').addColumn('erase_at', 'bigint').execute();
  },
};
