import { sql } from 'kysely';
import type { ServerMigration } from './index';

/**
 * Profiles, account preferences, the registration wizard's progress, licences, contracts, contacts and call
 * records (metadata only: who, when, how long — never content).
 */
export const m004Organisations: ServerMigration = {
  version: 4,
  name: 'organisations',
  async up(db) {
    const columns: [string, 'text' | 'integer' | 'bigint', string?][] = [
      ['address', 'text'],
      ['postcode', 'text'],
      ['city', 'text'],
      ['country', 'text'],
      // The number colleagues see; the two-factor number (phone) changes only with an SMS code.
      ['contact_phone', 'text'],
      ['preferences', 'text', "'{}'"],
      ['searchable', 'integer', '0'],
      ['licence', 'integer', '1'],
      ['pin_confirmed_at', 'bigint'],
      ['registered_at', 'bigint'],
      ['plan', 'text', "'individual'"],
      ['contract_ends_at', 'bigint'],
      ['deleted_at', 'bigint'],
    ];
    for (const [name, type, fallback] of columns) {
      await db.schema
        .alterTable('accounts')
        .addColumn(name, type, (c) => (fallback === undefined ? c : c.notNull().defaultTo(sqlLiteral(fallback))))
        .execute();
    }
    // Accounts that registered before the wizard existed count as registered.
    await db
      .updateTable('accounts')
      .set({ registered_at: sql`activated_at` })
      .execute();
    await db.schema.createIndex('accounts_by_organisation').on('accounts').column('organisation_id').execute();

    await db.schema
      .createTable('contacts')
      .addColumn('owner_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('contact_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('contacts_pk', ['owner_id', 'contact_id'])
      .execute();

    await db.schema
      .createTable('call_records')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('organisation_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('initiator_id', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('duration_s', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('invitations', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('call_records_by_start').on('call_records').column('started_at').execute();
    await db.schema
      .createTable('call_participants')
      .addColumn('call_id', 'text', (c) => c.notNull().references('call_records.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('call_participants_pk', ['call_id', 'account_id'])
      .execute();
    await db.schema.createIndex('call_participants_by_account').on('call_participants').column('account_id').execute();
  },
};

function sqlLiteral(value: string) {
  return value.startsWith("'") ? value.slice(1, -1) : Number(value);
}
