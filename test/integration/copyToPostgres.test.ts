/**
 * `npm run server -- copy-to-postgres`: the real CLI (dist/server/main.cjs) copies a server's SQLite
 * database, made through the server's own routes, into an empty PostgreSQL database; the copy is checked
 * here again, independently of the CLI's own check, by row counts and contents of every table, and the
 * server then runs on PostgreSQL with the same accounts. A second copy into the now non-empty database is
 * refused and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/app';
import { loadConfig } from '../../server/config';
import { COPY_ORDER, tableReport } from '../../server/db/copyToPostgres';
import { openServerDb } from '../../server/db/database';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../harness/testDatabase';
import { ROOT } from '../harness/testBridge';

const skipped = postgresUnavailable();
const CLI = join(ROOT, 'dist', 'server', 'main.cjs');
const PASSWORD = 'Correct-Horse-7-Battery';
let dataDir: string;
let target: TestDatabase;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-copy-'));
  if (!skipped) target = await createTestDatabase('postgres');
});
afterAll(async () => {
  await target?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const config = (extra: string[] = []) =>
  loadConfig(
    ['--port=0', `--data-dir=${dataDir}`, '--argon2-memory-ki-b=8192', '--log-level=warn', ...extra],
    {},
    '/nonexistent',
  );

describe.skipIf(skipped !== null)(`copy-to-postgres${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  it('copies every table exactly, and the server runs on the copy', async () => {
    // A server on SQLite with accounts, sessions, an organisation and a pending invitation (8 registrations:
    // the route allows 10 a minute from one address).
    const source = await buildServer(config(), await openServerDb({ dataDir }), 'test');
    await source.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(source.app.server.address() as { port: number }).port}`;
    const post = (path: string, body?: unknown, token?: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    for (let i = 0; i < 8; i += 1) {
      const invited = await source.accounts.invite({
        email: `user${i}@praxis.example`,
        role: 'member',
        organisationId: null,
        language: 'de',
      });
      const tokens = await post(`/api/registration/${invited!.token}`, { username: `user${i}`, password: PASSWORD });
      const token = String(tokens.accessToken);
      await post('/api/account/registration/pin', undefined, token);
      await post('/api/account/registration/pin/confirm', undefined, token);
      await post('/api/account/registration/finish', undefined, token);
      if (i === 0) await post('/api/account/organisation', { name: 'Praxis Nord' }, token);
    }
    await source.accounts.invite({
      email: 'pending@praxis.example',
      role: 'member',
      organisationId: null,
      language: 'sv',
    });
    await source.close();

    const before = await openServerDb({ dataDir });
    const expected = await Promise.all(COPY_ORDER.map((t) => tableReport(before.db as never, t)));
    await before.close();
    expect(expected.find((r) => r.table === 'accounts')!.rows).toBe(9);
    expect(expected.find((r) => r.table === 'sessions')!.rows).toBeGreaterThanOrEqual(8);

    const run = spawnSync(
      process.execPath,
      [CLI, 'copy-to-postgres', `--data-dir=${dataDir}`, `--database-url=${target.databaseUrl}`],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Copied and verified ${COPY_ORDER.length} tables`);

    const copy = await openServerDb({ dataDir, databaseUrl: target.databaseUrl });
    const got = await Promise.all(COPY_ORDER.map((t) => tableReport(copy.db as never, t)));
    await copy.close();
    expect(got).toEqual(expected);

    // The server on PostgreSQL: the same people sign in, with the same installation.
    const onPg = await buildServer(
      config([`--database-url=${target.databaseUrl}`]),
      await openServerDb({ dataDir, databaseUrl: target.databaseUrl }),
      'test',
    );
    try {
      await onPg.app.listen({ host: '127.0.0.1', port: 0 });
      const pgBase = `http://127.0.0.1:${(onPg.app.server.address() as { port: number }).port}`;
      const signIn = await fetch(`${pgBase}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'user7', password: PASSWORD }),
      });
      expect(signIn.status).toBe(200);
    } finally {
      await onPg.close();
    }

    // Into a database that now has data: refused, nothing changed.
    const again = spawnSync(
      process.execPath,
      [CLI, 'copy-to-postgres', `--data-dir=${dataDir}`, `--database-url=${target.databaseUrl}`],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('not empty');
  });
});
