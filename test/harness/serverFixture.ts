/**
 * The real server on loopback with a real SMTP server (smtp-server) beside it: a fresh data folder, a
 * settable clock, the received mails, the SMS gateway's file and the log lines — for integration and e2e.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import type { Kysely } from 'kysely';
import { buildServer, type BuildOptions, type ServerContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openServerDb, type DialectName } from '../../server/db/database';
import type { ServerDatabase } from '../../server/db/schema';
import { SMS_FILE } from '../../server/sms/gateway';
import { createTestDatabase } from './testDatabase';

export interface Received {
  to: string;
  raw: string;
}

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers; the assertions check their shape
  body: Record<string, any>;
}

export interface ServerFixture {
  server: ServerContext;
  base: string;
  dataDir: string;
  /** The server's own database handle (SQLite or PostgreSQL), for snapshots in assertions. */
  db: Kysely<ServerDatabase>;
  dialect: DialectName;
  clock: { now: number };
  inbox: Received[];
  logs: string[];
  api(method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer>;
  /** The same from another loopback source address (127.0.0.2 …), as a second client machine would. */
  apiFrom(address: string, method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer>;
  /** The registration token of the newest mail to `to`, once more than `seenBefore` mails arrived. */
  linkFor(to: string, seenBefore?: number): Promise<string>;
  /** The newest mail to `to`, quoted-printable decoded. */
  mailTo(to: string): string;
  /** The SMS sent to `to`, oldest first, from the embedded gateway's file. */
  smsTo(to: string): string[];
  /** The 8-digit codes among them. */
  smsCodes(to: string): string[];
  /**
   * An individual account registered through the server's routes (invited, username and password, the
   * PIN, finish), each from a loopback address of its own so that route limits do not get in the way.
   */
  /** An account through the whole registration (of an organisation, with a licence, when one is given). */
  registered(
    username: string,
    password?: string,
    organisationId?: string,
  ): Promise<{ accessToken: string; refreshToken: string }>;
  /**
   * A synced row of a practice as a workstation's push would have left it (a tenant, the practice's
   * set-up …), with the practice's sequence counter moved on; the row's id.
   */
  seedRow(practiceId: string, table: string, fields: Record<string, string | number>, rowId?: string): Promise<string>;
  close(): Promise<void>;
}

/** One JSON request from a given local address (Node's fetch cannot choose its source address). */
export function requestFrom(
  localAddress: string,
  url: string,
  method: string,
  body?: unknown,
  token?: string,
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    const req = httpRequest(
      url,
      {
        method,
        localAddress,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const json = String(res.headers['content-type'] ?? '').includes('application/json');
          resolve({ status: res.statusCode ?? 0, body: (json ? JSON.parse(text) : { text }) as ApiAnswer['body'] });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const decodeQuotedPrintable = (raw: string): string =>
  raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export async function startServerFixture(
  options: {
    flags?: string[];
    now?: number;
    webDir?: string;
    realClock?: boolean;
    timing?: { ringMs: number; graceMs: number };
    /** More build options (the dispatcher off, another SMS carrier). */
    build?: Pick<BuildOptions, 'dispatch' | 'carrier' | 'contactSmsWaitMs'>;
  } = {},
): Promise<ServerFixture> {
  const inbox: Received[] = [];
  const logs: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          to: session.envelope.rcptTo.map((r) => r.address).join(','),
          raw: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as { port: number }).port;
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-server-'));
  const config = loadConfig(
    [
      '--port=0',
      `--data-dir=${dataDir}`,
      `--smtp-url=smtp://127.0.0.1:${smtpPort}`,
      '--argon2-memory-ki-b=8192',
      ...(options.flags ?? []),
    ],
    {},
    options.webDir ?? '/nonexistent',
  );
  const clock = { now: options.now ?? Date.UTC(2026, 5, 1, 9) };
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const testDb = await createTestDatabase();
  const database = await openServerDb({ dataDir, databaseUrl: testDb.databaseUrl });
  const server = await buildServer({ ...config, databaseUrl: testDb.databaseUrl }, database, 'test', {
    now: options.realClock ? Date.now : () => clock.now,
    logStream,
    ...(options.timing ? { timing: options.timing } : {}),
    ...options.build,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  let registrations = 0;

  const mailTo = (to: string): string => decodeQuotedPrintable(inbox.filter((m) => m.to === to).at(-1)?.raw ?? '');
  const smsTo = (to: string): string[] => {
    const file = join(dataDir, SMS_FILE);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { to: string; text: string })
      .filter((m) => m.to === to)
      .map((m) => m.text);
  };

  return {
    server,
    base,
    dataDir,
    db: database.db,
    dialect: database.dialect,
    clock,
    inbox,
    logs,
    mailTo,
    smsTo,
    async api(method, path, body, token) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      const json = (response.headers.get('content-type') ?? '').includes('application/json');
      return { status: response.status, body: (json ? JSON.parse(text) : { text }) as ApiAnswer['body'] };
    },
    apiFrom(address, method, path, body, token) {
      return requestFrom(address, `${base}${path}`, method, body, token);
    },
    async linkFor(to, seenBefore = 0) {
      await expect.poll(() => inbox.filter((m) => m.to === to).length).toBeGreaterThan(seenBefore);
      return /register\?token=([A-Za-z0-9_-]{43})/.exec(mailTo(to))![1]!;
    },
    async registered(username, password = 'Correct-Horse-7-Battery', organisationId) {
      const invited = await server.accounts.invite({
        email: `${username}@praxis.example`,
        role: 'member',
        organisationId: organisationId ?? null,
        language: 'de',
        ...(organisationId ? { licence: true } : {}),
      });
      const from = `127.0.3.${(registrations += 1)}`;
      const tokens = (
        await requestFrom(from, `${base}/api/registration/${invited!.token}`, 'POST', { username, password })
      ).body as { accessToken: string; refreshToken: string };
      for (const step of ['pin', 'pin/confirm', 'finish'])
        await requestFrom(from, `${base}/api/account/registration/${step}`, 'POST', undefined, tokens.accessToken);
      return tokens;
    },
    smsCodes(to) {
      return smsTo(to).map((text) => /(\d{8})/.exec(text)![1]!);
    },
    async seedRow(practiceId, table, fields, rowId = randomUUID()) {
      const stamp = `${clock.now.toString(36).padStart(9, '0')}:00000:seed`;
      const counter = await database.db
        .selectFrom('sync_counters')
        .select('seq')
        .where('practice_id', '=', practiceId)
        .executeTakeFirst();
      const seq = Number(counter?.seq ?? 0) + 1;
      if (counter)
        await database.db.updateTable('sync_counters').set({ seq }).where('practice_id', '=', practiceId).execute();
      else await database.db.insertInto('sync_counters').values({ practice_id: practiceId, seq }).execute();
      await database.db
        .insertInto('sync_rows')
        .values({
          practice_id: practiceId,
          table_name: table,
          row_id: rowId,
          fields: JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { v, s: stamp }]))),
          seq,
        })
        .execute();
      return rowId;
    },
    async close() {
      await server.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
