import { randomUUID } from 'node:crypto';
import type { ServerMigration } from './index';

/** Facts about this installation (its id, when it was set up). */
export const m001ServerInfo: ServerMigration = {
  version: 1,
  name: 'server-info',
  async up(db) {
    await db.schema
      .createTable('server_info')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('server_info')
      .values([
        { key: 'instance_id', value: randomUUID() },
        { key: 'created_at', value: new Date().toISOString() },
      ])
      .execute();
  },
};
