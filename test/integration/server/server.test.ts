import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer, type ServerContext } from '../../../server/app';
import { ConfigError, loadConfig } from '../../../server/config';
import { openServerDb, SERVER_DB_FILE, ServerDatabaseTooNewError } from '../../../server/db/database';
import { serverMigrations } from '../../../server/db/migrations';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../../harness/testDatabase';

const running: ServerContext[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const database of databases.splice(0)) await database.drop();
});

async function testDatabase(): Promise<{ dataDir: string; databaseUrl?: string }> {
  const database = await createTestDatabase();
  databases.push(database);
  return { dataDir: mkdtempSync(join(tmpdir(), 'clinicdesk-server-')), databaseUrl: database.databaseUrl };
}

function webDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clinicdesk-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'guest.html'),
    '<!doctype html><title>guest</title><script type="module" src="/assets/guest.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'guest.js'), 'console.log(1)');
  return dir;
}

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-server-'));
  const config = loadConfig(['--port=0', `--data-dir=${dataDir}`], {}, webDir());
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const { databaseUrl } = await testDatabase();
  const server = await buildServer(
    { ...config, databaseUrl },
    await openServerDb({ dataDir: config.dataDir, databaseUrl }),
    '9.9.9',
    { logStream },
  );
  running.push(server);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${address.port}`, logs, dataDir };
}

describe('server', () => {
  it('answers health with its version and schema', async () => {
    const { base } = await start();
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      version: '9.9.9',
      schemaVersion: serverMigrations.at(-1)!.version,
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the guest page with a strict CSP at /join and /join/<token>', async () => {
    const { base } = await start();
    for (const path of ['/join', '/join/AbCdEfGhIjKlMnOpQrSt_-12']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('<title>guest</title>');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect((await fetch(`${base}/assets/guest.js`)).status).toBe(200);
  });

  it('answers bad input with 400 and unknown routes with 404, never 500', async () => {
    const { base } = await start();
    const bad = await fetch(`${base}/join/short`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'bad_request' } });
    const missing = await fetch(`${base}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
    expect((await fetch(`${base}/assets/../../etc/passwd`)).status).toBe(404);
  });

  it('never writes invitation tokens or authorization headers to the log', async () => {
    const { base, logs } = await start();
    await fetch(`${base}/join/SecretInvitationToken_123?x=1`, { headers: { authorization: 'Bearer sekrit-access' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = logs.join('');
    expect(text).toContain('/join/[redacted]');
    expect(text).not.toContain('SecretInvitationToken_123');
    expect(text).not.toContain('sekrit-access');
  });

  it('admits no signalling socket without credentials', async () => {
    const { base } = await start();
    const socket = connect(base, { transports: ['websocket'], reconnection: false, auth: { token: 'made-up' } });
    const error = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    socket.close();
    expect(error.message).toBe('unauthorized');
  });

  it('refuses a server database written by a newer version', async () => {
    const where = await testDatabase();
    const opened = await openServerDb(where);
    if (TEST_DIALECT === 'postgres') {
      await sql`update schema_version set version = 999`.execute(opened.db);
      await opened.close();
    } else {
      await opened.close();
      const raw = new Database(join(where.dataDir, SERVER_DB_FILE));
      raw.pragma('user_version = 999');
      raw.close();
    }
    await expect(openServerDb(where)).rejects.toThrowError(ServerDatabaseTooNewError);
  });

  it('keeps its data across restarts (same installation id)', async () => {
    const where = await testDatabase();
    const idOf = async () => {
      const db = await openServerDb(where);
      const row = await db.db
        .selectFrom('server_info')
        .select('value')
        .where('key', '=', 'instance_id')
        .executeTakeFirstOrThrow();
      await db.close();
      return row.value;
    };
    expect(await idOf()).toBe(await idOf());
  });
});

describe('server configuration', () => {
  it('takes flags over environment over the file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-config-'));
    writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ port: 5000, logLevel: 'warn' }));
    const fromFile = loadConfig([`--data-dir=${dataDir}`], {}, '/web');
    expect(fromFile).toMatchObject({
      port: 5000,
      logLevel: 'warn',
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:5000',
    });
    const fromEnv = loadConfig([`--data-dir=${dataDir}`], { CLINICDESK_PORT: '5001' }, '/web');
    expect(fromEnv.port).toBe(5001);
    const fromFlag = loadConfig([`--data-dir=${dataDir}`, '--port=5002'], { CLINICDESK_PORT: '5001' }, '/web');
    expect(fromFlag.port).toBe(5002);
    // Prepared statements on PostgreSQL: on unless switched off (behind a pooler that cannot keep them).
    expect(fromFile.databasePreparedStatements).toBe(true);
    const off = { CLINICDESK_DATABASE_PREPARED_STATEMENTS: 'false' };
    expect(loadConfig([`--data-dir=${dataDir}`], off, '/web').databasePreparedStatements).toBe(false);
    expect(() =>
      loadConfig([`--data-dir=${dataDir}`], { CLINICDESK_DATABASE_PREPARED_STATEMENTS: 'no' }, '/web'),
    ).toThrowError(/databasePreparedStatements/);
  });

  it('stops with a clear message on bad values', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-config-'));
    expect(() => loadConfig([`--data-dir=${dataDir}`, '--port=99999'], {}, '/web')).toThrowError(ConfigError);
    expect(() => loadConfig([`--data-dir=${dataDir}`, '--port=99999'], {}, '/web')).toThrowError(/port/);
    expect(() => loadConfig([`--data-dir=${dataDir}`, '--public-url=ftp://x'], {}, '/web')).toThrowError(/publicUrl/);
    expect(() => loadConfig([`--data-dir=${dataDir}`, '--colour=blue'], {}, '/web')).toThrowError(ConfigError);
    writeFileSync(join(dataDir, 'server.json'), '{ nope');
    expect(() => loadConfig([`--data-dir=${dataDir}`], {}, '/web')).toThrowError(/Cannot read the configuration file/);
    expect(() => loadConfig(['--config=/nonexistent/clinicdesk.json'], {}, '/web')).toThrowError(/does not exist/);
  });
});
