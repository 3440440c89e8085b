import { usernameKey } from '../../accounts/usernames';
import type { ServerMigration } from './index';

/**
 * What the security review asked for: a look-alike-proof username key, who invited an account (an
 * invitation of one organisation is never touched by another's request), attempt throttles shared by every
 * server process, single-use socket tickets in the database (not one process's memory), and the end of a
 * consultation on its invitation (the guest token ends with it).
 */
export const m006Security: ServerMigration = {
  version: 6,
  name: 'security',
  async up(db) {
    await db.schema.alterTable('accounts').addColumn('username_key', 'text').execute();
    // null: self sign-up; otherwise the inviting admin's organisation scope ('service' or an organisation id).
    await db.schema.alterTable('accounts').addColumn('invited_by', 'text').execute();
    // Pending invitations from before: an organisation's came from it; the rest count as self sign-ups.
    await db
      .updateTable('accounts')
      .set((eb) => ({ invited_by: eb.ref('organisation_id') }))
      .where('status', '=', 'invited')
      .where('organisation_id', 'is not', null)
      .execute();
    const rows = (await db
      .selectFrom('accounts')
      .select(['id', 'username'])
      .where('username', 'is not', null)
      .orderBy('created_at')
      .execute()) as { id: string; username: string }[];
    const seen = new Set<string>();
    for (const row of rows) {
      // Look-alikes registered before this version keep working; the later one gets a key of its own.
      let key = usernameKey(row.username);
      if (seen.has(key)) key = `${key}#${row.id}`;
      seen.add(key);
      await db.updateTable('accounts').set({ username_key: key }).where('id', '=', row.id).execute();
    }
    await db.schema.createIndex('accounts_by_username_key').on('accounts').column('username_key').unique().execute();

    await db.schema
      .createTable('throttles')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('next_at', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('throttles_by_window').on('throttles').column('window_start').execute();

    await db.schema
      .createTable('socket_tickets')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('socket_tickets_by_expiry').on('socket_tickets').column('expires_at').execute();

    await db.schema.alterTable('call_invitations').addColumn('ended_at', 'bigint').execute();
    await db.schema.createIndex('sessions_by_refresh_expiry').on('sessions').column('refresh_expires_at').execute();
  },
};
