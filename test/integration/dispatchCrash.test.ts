/**
 * Two real server processes (dist/server/main.cjs) dispatch 10,000 due SMS from one PostgreSQL database,
 * and one of them is killed with SIGKILL in the middle of the work. Afterwards every message was handed to
 * the carrier exactly once (the file carrier, shared by both processes, creates one file per message id and
 * counts every repeated hand-over), each was debited exactly once, and the tenant's balance is exact: the
 * credits imported beforehand through the server's `credits-import` command, minus one per message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openServerDb, type ServerDb } from '../../server/db/database';
import { SMS_FOLDER } from '../../server/sending/carriers';
import { canConnect, freePort, waitFor } from '../harness/services';
import { queuedSms } from '../harness/queuedSms';
import { createTestDatabase, type TestDatabase } from '../harness/testDatabase';
import { ROOT } from '../harness/testBridge';

const CLI = join(ROOT, 'dist', 'server', 'main.cjs');
const MESSAGES = 10_000;
const missing = inject('postgresUrl') ? null : 'PostgreSQL';

let database: TestDatabase;
let db: ServerDb;
const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-dispatch-'));
const processes: ChildProcess[] = [];
const secret = randomBytes(32).toString('hex');
const practiceId = `acct:${randomUUID()}`;
const tenantA = randomUUID();
const tenantB = randomUUID();

const stamp = (n = 0) => `${Date.now().toString(36).padStart(9, '0')}:${n.toString(36).padStart(5, '0')}:seed`;
const fieldsOf = (values: Record<string, string | number | null>) =>
  JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, s: stamp() }])));

async function startProcess(): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      CLI,
      `--port=${port}`,
      `--data-dir=${dataDir}`,
      '--argon2-memory-ki-b=8192',
      '--dispatch-interval-ms=100',
      '--dispatch-lease-ms=3000',
      '--dispatch-batch=100',
    ],
    {
      env: {
        ...process.env,
        CLINICDESK_DATABASE_URL: database.databaseUrl,
        CLINICDESK_SERVER_SECRET: secret,
        CLINICDESK_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  processes.push(child);
  await waitFor(`server process on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
    return canConnect(port);
  });
  return child;
}

const sentFiles = () => (existsSync(join(dataDir, SMS_FOLDER)) ? readdirSync(join(dataDir, SMS_FOLDER)).length : 0);

beforeAll(async () => {
  if (missing) return;
  database = await createTestDatabase('postgres');
  db = await openServerDb({ dataDir, databaseUrl: database.databaseUrl });
  // A practice as its devices would have synced it: no quiet hours (the test may run at night), two tenants.
  const rows = [
    {
      table_name: 'practice',
      row_id: randomUUID(),
      fields: fieldsOf({ name: 'Praxis', time_zone: 'Europe/Berlin', country: 'DE', quiet_start: 0, quiet_end: 0 }),
    },
    { table_name: 'tenants', row_id: tenantA, fields: fieldsOf({ name: 'A-Praxis', sms_credits: 0 }) },
    { table_name: 'tenants', row_id: tenantB, fields: fieldsOf({ name: 'B-Praxis', sms_credits: 0 }) },
  ];
  let seq = 0;
  await db.db
    .insertInto('sync_rows')
    .values(rows.map((r) => ({ ...r, practice_id: practiceId, seq: (seq += 1) })))
    .execute();
  const now = Date.now();
  for (let start = 0; start < MESSAGES; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, MESSAGES - start) }, (_, i) => {
      const id = randomUUID();
      const recipient = `+4917${String(10_000_000 + start + i)}`;
      return { id, recipient, body: `Erinnerung ${start + i}` };
    });
    await db.db
      .insertInto('sync_rows')
      .values(
        batch.map((m) => ({
          practice_id: practiceId,
          table_name: 'messages',
          row_id: m.id,
          seq: (seq += 1),
          fields: fieldsOf({
            kind: 'free_text',
            channel: 'sms',
            recipient: m.recipient,
            body: m.body,
            status: 'queued',
            tenant_id: tenantA,
          }),
        })),
      )
      .execute();
    await db.db
      .insertInto('outgoing_messages')
      .values(
        batch.map((m) =>
          queuedSms({
            practiceId,
            id: m.id,
            recipient: m.recipient,
            body: m.body,
            tenantId: tenantA,
            kind: 'free_text',
            dueAt: now,
          }),
        ),
      )
      .execute();
  }
  await db.db.insertInto('sync_counters').values({ practice_id: practiceId, seq }).execute();
}, 120_000);

afterAll(async () => {
  for (const child of processes)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  await db?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(missing !== null)(
  `two dispatching processes and a SIGKILL${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it('imports the previous balance through the command line, split evenly, the remainder to the first tenant', () => {
      const run = (args: string[]) =>
        spawnSync(process.execPath, [CLI, ...args, `--data-dir=${dataDir}`], {
          env: { ...process.env, CLINICDESK_DATABASE_URL: database.databaseUrl },
          encoding: 'utf8',
        });
      const bad = run(['credits-import', `--practice=${practiceId}`, '--amount=-5']);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('amount');
      const unknown = run([
        'credits-transfer',
        `--from=${practiceId}/${randomUUID()}`,
        `--to=${practiceId}/${tenantB}`,
        '--amount=5',
      ]);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain('tenant does not exist');
      const imported = run([
        'credits-import',
        `--practice=${practiceId}`,
        `--amount=${2 * MESSAGES + 1}`,
        '--key=old-system',
      ]);
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toContain(`A-Praxis`);
      expect(imported.stdout).toContain(`The remainder of 1 went to the first tenant, A-Praxis.`);
      // The same import again (its key) adds nothing.
      expect(
        run(['credits-import', `--practice=${practiceId}`, `--amount=${2 * MESSAGES + 1}`, '--key=old-system']).status,
      ).toBe(0);
      const balance = run(['credits-balance', `--practice=${practiceId}`]);
      expect(balance.stdout).toMatch(new RegExp(`A-Praxis\\s+${tenantA}\\s+${MESSAGES + 1}`));
      expect(balance.stdout).toMatch(new RegExp(`B-Praxis\\s+${tenantB}\\s+${MESSAGES}`));
    });

    it('sends each of 10,000 messages exactly once, with one debit each, although a process was killed', async () => {
      const first = await startProcess();
      await startProcess();
      await expect.poll(sentFiles, { timeout: 120_000, interval: 50 }).toBeGreaterThan(MESSAGES / 5);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const inFlight = await db.db
        .selectFrom('outgoing_messages')
        .select('key')
        .where('state', '=', 'sending')
        .execute();
      await startProcess();
      const state = async () =>
        Number(
          (
            await db.db
              .selectFrom('outgoing_messages')
              .select((eb) => eb.fn.countAll<string | number>().as('n'))
              .where('practice_id', '=', practiceId)
              .where('state', '=', 'sent')
              .executeTakeFirstOrThrow()
          ).n,
        );
      await expect.poll(state, { timeout: 300_000, interval: 500 }).toBe(MESSAGES);
      expect(sentFiles()).toBe(MESSAGES);
      const debits = await db.db
        .selectFrom('credit_ledger')
        .select(['message_id', 'amount'])
        .where('practice_id', '=', practiceId)
        .where('kind', '=', 'debit')
        .execute();
      expect(debits).toHaveLength(MESSAGES);
      expect(new Set(debits.map((d) => d.message_id)).size).toBe(MESSAGES);
      const balance = await db.db
        .selectFrom('credit_balances')
        .select('balance')
        .where('practice_id', '=', practiceId)
        .where('tenant_id', '=', tenantA)
        .executeTakeFirstOrThrow();
      expect(Number(balance.balance)).toBe(1);
      const sum = await db.db
        .selectFrom('credit_ledger')
        .select((eb) => eb.fn.sum<string | number>('amount').as('total'))
        .where('practice_id', '=', practiceId)
        .where('tenant_id', '=', tenantA)
        .executeTakeFirstOrThrow();
      expect(Number(sum.total)).toBe(1);
      // Informational: how many were in the middle of sending when the process died.
      console.log(`dispatch crash test: ${inFlight.length} message(s) were "sending" at the SIGKILL`);
    }, 420_000);
  },
);
