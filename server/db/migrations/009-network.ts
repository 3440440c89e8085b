import type { ServerMigration } from './index';

/**
 * Participation in the practices' network (as HLaN's): a switch an account turns on only by accepting the
 * network's privacy policy and terms; the accepted version and the time are kept as the record of consent.
 */
export const m009Network: ServerMigration = {
  version: 9,
  name: 'network',
  async up(db) {
    await db.schema
      .alterTable('accounts')
      .addColumn('network', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('accounts').addColumn('network_terms_version', 'text').execute();
    await db.schema.alterTable('accounts').addColumn('network_accepted_at', 'bigint').execute();
  },
};
