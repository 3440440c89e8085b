import type { ServerMigration } from './index';

/**
 * Sending (issue 10). `outgoing_messages` is the dispatcher's queue: a copy of each synced message the
 * server is to send, kept beside the practice's rows so that "what is due" is one indexed query instead of
 * parsing every synced row. A message is claimed with a lease (`lease_holder`, `lease_until`) before it is
 * handed to a gateway. `credit_ledger` is each tenant's append-only ledger (never updated or deleted);
 * `idempotency_key` makes a debit, a refund, a purchase or a transfer happen once whoever repeats it.
 * `credit_balances` is the ledger's sum kept in the same transaction as every entry, so that a debit can be
 * a conditional write ("balance ≥ parts") that two dispatchers cannot both win, and a balance read is one
 * row. `credit_orders` are the practices' orders of credit packs.
 */
export const m010Sending: ServerMigration = {
  version: 10,
  name: 'sending',
  async up(db) {
    await db.schema
      .createTable('outgoing_messages')
      .addColumn('key', 'text', (c) => c.primaryKey()) // practice id + ' ' + message id
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text')
      .addColumn('patient_id', 'text')
      .addColumn('appointment_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('parts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_holder', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('provider_id', 'text')
      .addColumn('error', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('outgoing_due').on('outgoing_messages').columns(['state', 'next_attempt_at']).execute();
    await db.schema.createIndex('outgoing_by_recipient').on('outgoing_messages').column('recipient').execute();
    await db.schema.createIndex('outgoing_by_provider').on('outgoing_messages').column('provider_id').execute();
    await db.schema
      .createIndex('outgoing_by_tenant')
      .on('outgoing_messages')
      .columns(['practice_id', 'tenant_id', 'state'])
      .execute();

    await db.schema
      .createTable('credit_ledger')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('reference', 'text')
      .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('idempotency_key', 'text', (c) => c.unique())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('credit_ledger_by_tenant')
      .on('credit_ledger')
      .columns(['practice_id', 'tenant_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('credit_balances')
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('credit_balances_pk', ['practice_id', 'tenant_id'])
      .execute();

    await db.schema
      .createTable('credit_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('practice_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('pack', 'text', (c) => c.notNull())
      .addColumn('credits', 'integer', (c) => c.notNull())
      .addColumn('price_minor', 'integer', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
