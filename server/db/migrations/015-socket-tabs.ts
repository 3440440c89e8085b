import type { ServerMigration } from './index';

/**
 * The browser tab each signalling socket comes from, and the call it took part in (issue 17): a page that
 * reloads within the time a dead server process still counts as alive replaces its own earlier socket, and
 * if that socket held the peer's call, the page is brought back into it — while another device of the same
 * peer, which did not hold the call, is left alone.
 */
export const m015SocketTabs: ServerMigration = {
  version: 15,
  name: 'socket-tabs',
  async up(db) {
    await db.schema.alterTable('signal_sockets').addColumn('tab_id', 'text').execute();
    await db.schema.alterTable('signal_sockets').addColumn('call_id', 'text').execute();
  },
};
