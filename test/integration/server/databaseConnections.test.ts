/**
 * The server's PostgreSQL pool outlives the end of its idle connections: PostgreSQL restarting, failing
 * over or an administrator ending them reaches the pool as an 'error' event on an idle client, which ends
 * the process when nobody listens. After it, the next query runs on a new connection.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openServerDb, type ServerDb } from '../../../server/db/database';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../../harness/testDatabase';

const skipped = TEST_DIALECT === 'postgres' ? null : 'PostgreSQL only (the integration-pg project)';
let database: TestDatabase | undefined;
let server: ServerDb | undefined;

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe.skipIf(skipped !== null)(`PostgreSQL connections${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  it('keeps serving after PostgreSQL ends its idle connections', async () => {
    database = await createTestDatabase('postgres');
    server = await openServerDb({
      dataDir: mkdtempSync(join(tmpdir(), 'clinicdesk-pgconn-')),
      databaseUrl: database.databaseUrl,
      poolSize: 3,
    });
    const count = async () =>
      Number(
        (
          await server!.db
            .selectFrom('accounts')
            .select((eb) => eb.fn.countAll<string | number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Three connections open and idle in the pool.
    await Promise.all([count(), count(), count()]);
    const admin = new pg.Client({ connectionString: database.databaseUrl });
    await admin.connect();
    const others = `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    const before = (await admin.query(others)).rowCount;
    expect(before).toBeGreaterThan(0);
    await admin.query(`select pg_terminate_backend(pid) from (${others}) o`);
    await expect.poll(async () => (await admin.query(others)).rowCount, { timeout: 10_000 }).toBe(0);
    await admin.end();
    // The process is still here (an unheard 'error' would have failed this test), and the pool serves again.
    expect(await count()).toBe(0);
  });
});
