import type { ServerMigration } from './index';

/**
 * Signalling's state in the database (issue 17): which sockets each server process holds, the peers'
 * "busy" switch and rejoin grace, and the calls in progress with their participants and ringing
 * invitees. Any process can then take any event of a call, a process that dies leaves its calls to the
 * others, and the timers (ringing, grace) are deadlines that whichever process is alive acts on, once.
 *
 * `signal_calls.data` holds a call's document (participants, invitees, who joined); `signal_call_peers`
 * indexes it by peer for "is this peer in a call" and for the ringing deadlines. Both are rewritten
 * together in one transaction that first updates the call's row, so writers of one call take turns.
 */
export const m013SignallingState: ServerMigration = {
  version: 13,
  name: 'signalling-state',
  async up(db) {
    await db.schema
      .createTable('signal_processes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seen_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('signal_sockets')
      .addColumn('socket_id', 'text', (c) => c.primaryKey())
      .addColumn('peer_id', 'text', (c) => c.notNull())
      .addColumn('process_id', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signal_sockets_peer').on('signal_sockets').column('peer_id').execute();
    await db.schema.createIndex('signal_sockets_process').on('signal_sockets').column('process_id').execute();

    await db.schema
      .createTable('signal_peers')
      .addColumn('peer_id', 'text', (c) => c.primaryKey())
      .addColumn('busy', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('grace_until', 'bigint')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('signal_peers_grace').on('signal_peers').column('grace_until').execute();

    await db.schema
      .createTable('signal_calls')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('host_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('signal_calls_host').on('signal_calls').columns(['host_id', 'state']).execute();

    await db.schema
      .createTable('signal_call_peers')
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('peer_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('deadline', 'bigint')
      .addPrimaryKeyConstraint('signal_call_peers_pk', ['call_id', 'peer_id'])
      .execute();
    await db.schema.createIndex('signal_call_peers_peer').on('signal_call_peers').column('peer_id').execute();
    await db.schema.createIndex('signal_call_peers_deadline').on('signal_call_peers').column('deadline').execute();
  },
};
