/**
 * Migrations that change stored data, on SQLite and PostgreSQL: a database at the version before, with
 * rows written as that version wrote them, is migrated by the same `migrateServerDb` the server runs.
 */
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateServerDb, SERVER_DB_FILE } from '../../../server/db/database';
import { serverMigrations } from '../../../server/db/migrations';
import type { ServerDatabase } from '../../../server/db/schema';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../../harness/testDatabase';

const opened: { db: Kysely<ServerDatabase>; database: TestDatabase }[] = [];
afterEach(async () => {
  for (const { db, database } of opened.splice(0)) {
    await db.destroy();
    await database.drop();
  }
});

/** An empty database of the test's dialect, not migrated. */
async function emptyDatabase(): Promise<Kysely<ServerDatabase>> {
  const database = await createTestDatabase();
  const db = new Kysely<ServerDatabase>({
    dialect: database.databaseUrl
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: database.databaseUrl, max: 2 }) })
      : new SqliteDialect({
          database: new Database(join(mkdtempSync(join(tmpdir(), 'clinicdesk-migrate-')), SERVER_DB_FILE)),
        }),
  });
  opened.push({ db, database });
  return db;
}

describe('migration 016 (the prioritised first download)', () => {
  it('copies the start and the patient of appointments stored before it into their columns', async () => {
    const db = await emptyDatabase();
    const before = serverMigrations.filter((m) => m.version < 16);
    await migrateServerDb(db, before, TEST_DIALECT);
    const stamp = '0mpux4ow0:00000:dev';
    const fields = (values: Record<string, unknown>) =>
      JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, s: stamp }])));
    // Rows as version 15 wrote them (no start_at, no ref_id): more than one keyset page of appointments.
    const appointments = Array.from({ length: 1203 }, (_, i) => ({
      practice_id: i % 2 ? 'acct:a' : 'org:b',
      table_name: 'appointments',
      row_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      fields: fields({ patient_id: i % 3 ? `patient-${i}` : null, start_at: 1_700_000_000_000 + i, status: 'booked' }),
      seq: i + 1,
    }));
    for (let i = 0; i < appointments.length; i += 200)
      await sql`insert into sync_rows (practice_id, table_name, row_id, fields, seq) values ${sql.join(
        appointments
          .slice(i, i + 200)
          .map((r) => sql`(${r.practice_id}, ${r.table_name}, ${r.row_id}, ${r.fields}, ${r.seq})`),
      )}`.execute(db);
    await sql`insert into sync_rows (practice_id, table_name, row_id, fields, seq)
      values ('acct:a', 'patients', 'p-1', ${fields({ first_name: 'Ada' })}, 5000)`.execute(db);

    await migrateServerDb(db, serverMigrations, TEST_DIALECT);
    const rows = await db.selectFrom('sync_rows').select(['table_name', 'row_id', 'start_at', 'ref_id']).execute();
    // (PostgreSQL's bigint arrives as a string without the server's type parser.)
    const byId = new Map(
      rows.map((r) => [r.row_id, { ...r, start_at: r.start_at === null ? null : Number(r.start_at) }]),
    );
    appointments.forEach((a, i) =>
      expect(byId.get(a.row_id), a.row_id).toMatchObject({
        start_at: 1_700_000_000_000 + i,
        ref_id: i % 3 ? `patient-${i}` : null,
      }),
    );
    expect(byId.get('p-1')).toMatchObject({ start_at: null, ref_id: null });
  });
});
