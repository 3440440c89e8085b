/**
 * The database a server test runs on: the embedded SQLite file by default, or, in the `integration-pg`
 * project, a fresh PostgreSQL database on the throw-away cluster of the global setup (one per fixture,
 * dropped at the end).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export type TestDialect = 'sqlite' | 'postgres';
export const TEST_DIALECT: TestDialect = process.env.CLINICDESK_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  /** Set on PostgreSQL; undefined means the data folder's SQLite file. */
  databaseUrl?: string;
  drop(): Promise<void>;
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export const postgresUnavailable = (): string | null =>
  inject('postgresUrl') ? null : inject('servicesSkipped') || 'PostgreSQL is not available';

export async function createTestDatabase(dialect: TestDialect = TEST_DIALECT): Promise<TestDatabase> {
  if (dialect === 'sqlite') return { drop: async () => {} };
  const admin = inject('postgresUrl');
  if (!admin) throw new Error(`PostgreSQL tests need PostgreSQL: ${postgresUnavailable()}`);
  const name = `cd_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
