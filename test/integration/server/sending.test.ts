/**
 * Sending through the real server (SQLite and PostgreSQL): messages planned on a real desktop core reach
 * the server by sync, the dispatcher sends them when due (SMS through the file carrier, e-mail through a
 * real SMTP server on loopback), charges each SMS part to the tenant's credits and writes every status
 * back to the practice's devices. Shown: held without credits and sent once credits are bought; a reminder
 * whose appointment has begun expires; quiet hours defer; a signed delivery receipt marks it delivered and
 * a forged one changes nothing; STOP by inbound SMS opts the patient out on the device; transient errors
 * retry and permanent ones fail with a refund; two dispatchers racing send each message once and never
 * overdraw; bad input to the credit routes writes nothing.
 */
import { bearerSyncTransport } from '../../../src-main/core/sync/httpTransport';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SignJWT } from 'jose';
import { CompiledQuery, createQueryId, sql, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../protocol/client';
import { SyncEngine, type SyncTransport } from '../../../src-main/core/sync/syncEngine';
import {
  gatewayApiCarrier,
  SendError,
  SMS_FOLDER,
  type OutgoingSms,
  type SmsCarrier,
} from '../../../server/sending/carriers';
import { SERVER_DB_FILE } from '../../../server/db/database';
import { claimRows, Dispatcher, dueMessages } from '../../../server/sending/dispatcher';
import { startGatewayApiStandIn } from '../../harness/gatewayApiStandIn';
import { queuedSms } from '../../harness/queuedSms';
import { berlin, practiceFixture, type Fixture } from '../../harness/practiceFixture';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

const SECRET = 'webhook-secret-for-tests-0123456789';
let f: ServerFixture;
/** What the carrier does next: normal (the file carrier), or a scripted failure. */
const script: { failures: ('transient' | 'permanent')[] } = { failures: [] };
let fileSend: SmsCarrier['send'];

beforeAll(async () => {
  const { fileCarrier } = await import('../../../server/sending/carriers');
  f = await startServerFixture({
    now: berlin('2026-06-01', 10),
    flags: [`--sms-webhook-secret=${SECRET}`],
    build: {
      dispatch: false,
      carrier: {
        name: 'scripted-file',
        send: (sms: OutgoingSms) => {
          const next = script.failures.shift();
          if (next) return Promise.reject(new SendError(next === 'permanent', `scripted ${next} failure`));
          return fileSend(sms);
        },
      },
    },
  });
  fileSend = fileCarrier(f.dataDir, () => f.clock.now).send;
});
afterAll(() => f?.close());

const call = () => createApiClient({ baseUrl: () => f.base });
const transport = (token: () => string): SyncTransport =>
  bearerSyncTransport((route, input) => call()(route, input), token);

interface Device {
  fx: Fixture;
  engine: SyncEngine;
  token: string;
  refreshToken: string;
}

function device(
  tokens: { accessToken: string; refreshToken: string },
  fx = practiceFixture(berlin('2026-06-01', 10)),
): Device {
  const node = fx.core.repository.clock.node;
  const d: Device = { fx, token: tokens.accessToken, refreshToken: tokens.refreshToken, engine: null as never };
  d.engine = new SyncEngine(
    fx.core.db,
    fx.core.repository.clock,
    { id: node, name: 'Reception' },
    transport(() => d.token),
  );
  return d;
}

/** Moves both clocks (the device's and the server's) to the same instant. */
const at = async (d: Device, instant: number) => {
  d.fx.clock.now = instant;
  f.clock.now = instant;
  // Access tokens last minutes: the desktop refreshes its own, as here.
  const answer = await f.api('POST', '/api/auth/refresh', { refreshToken: d.refreshToken });
  d.token = answer.body.accessToken as string;
  d.refreshToken = answer.body.refreshToken as string;
};

const sentFiles = (): { id: string; to: string; text: string }[] => {
  const folder = join(f.dataDir, SMS_FOLDER);
  if (!existsSync(folder)) return [];
  return readdirSync(folder).map((name) => ({
    id: name.replace(/\.json$/, ''),
    ...(JSON.parse(readFileSync(join(folder, name), 'utf8')) as { to: string; text: string }),
  }));
};

const statusOn = (d: Device, id: string) =>
  d.fx.core.db.prepare('SELECT status, error, sent_at, delivered_at FROM messages WHERE id = ?').get(id) as {
    status: string;
    error: string | null;
    sent_at: number | null;
    delivered_at: number | null;
  };

const practiceOfToken = async (token: string) => {
  const me = await f.api('GET', '/api/account/me', undefined, token);
  return me.body.organisationId ? `org:${me.body.organisationId}` : `acct:${me.body.id}`;
};

const order = (token: string, tenantId: string, pack = 'sms-500', key = randomUUID().replace(/-/g, '')) =>
  f.api('POST', '/api/credits/orders', { tenantId, pack, idempotencyKey: key }, token);

const balanceOf = async (token: string, tenantId: string) => {
  const answer = await f.api('GET', '/api/credits', undefined, token);
  return (answer.body.tenants as { tenantId: string; balance: number }[]).find((t) => t.tenantId === tenantId)!.balance;
};

const signed = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));

/** A dispatcher of its own on the fixture's database (ticked by the test), with the file carrier by default. */
const dispatcherOf = (
  holder: string,
  settings: { batch: number; concurrency: number; log?: (message: string, details: Record<string, unknown>) => void },
  sms: SmsCarrier = { name: 'file', send: (message: OutgoingSms) => fileSend(message) },
  db: ServerFixture['db'] = f.db,
) =>
  new Dispatcher(
    db,
    f.server.sync,
    f.server.ledger,
    { sms, mail: { send: async () => {}, close: () => {} } },
    {
      holder,
      leaseMs: 60_000,
      maxAttempts: 5,
      intervalMs: 1000,
      now: () => f.clock.now,
      log: () => {},
      dialect: f.dialect,
      ...settings,
    },
  );

/**
 * A practice of its own with `count` free-text SMS due now and credits for them; its queue's keys. `main`
 * is the device whose clock moves with the server's (`at`).
 */
async function practiceWithDueSms(main: Device, name: string, day: string, count: number, number: string) {
  await at(main, berlin(day, 9));
  const p = device(await f.registered(name, 'Correct-Horse-7-Battery'), practiceFixture(berlin(day, 9)));
  await p.engine.sync();
  for (let i = 0; i < count; i += 1)
    p.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: null,
      recipient: `+49171${number}${String(10000 + i)}`,
      subject: '',
      body: `${name} ${i}`,
      scheduledAt: null,
    });
  await p.engine.sync();
  const practiceId = await practiceOfToken(p.token);
  await f.server.ledger.importBalance(practiceId, 100, name);
  const keys = (
    await f.db.selectFrom('outgoing_messages').select('key').where('practice_id', '=', practiceId).execute()
  ).map((r) => r.key);
  return { p, practiceId, keys };
}

/** Another process's claim writing these messages: a transaction holding their row locks until released. */
async function rowLocksHeld(keys: readonly string[]): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const other = f.db.transaction().execute(async (trx) => {
    await trx.selectFrom('outgoing_messages').select('key').where('key', 'in', keys).forUpdate().execute();
    locked();
    await released;
  });
  await isLocked;
  return { release: () => (release(), other) };
}

/**
 * `count` reminders of a practice of the test's own written straight into the queue (500 a statement),
 * due a day ago, numbered from `from` (numbers `+49171<series><100000 + n>`).
 */
async function enqueueDue(practiceId: string, series: string, count: number, from = 0) {
  const rows = Array.from({ length: count }, (_, i) =>
    queuedSms({
      practiceId,
      id: randomUUID(),
      recipient: `+49171${series}${String(100000 + from + i)}`,
      body: `${practiceId} ${from + i}`,
      tenantId: randomUUID(),
      kind: 'reminder',
      dueAt: f.clock.now - 86_400_000,
    }),
  );
  for (let i = 0; i < rows.length; i += 500)
    await f.db
      .insertInto('outgoing_messages')
      .values(rows.slice(i, i + 500))
      .execute();
  return rows;
}

/**
 * Every statement Kysely builds on the returned database, compiled, for reading their plans afterwards
 * (`explainAll`).
 */
function recordingDb(): { db: ServerFixture['db']; statements: () => CompiledQuery[] } {
  const recorded: RootOperationNode[] = [];
  const recorder: KyselyPlugin = {
    transformQuery: ({ node }) => (recorded.push(node), node),
    transformResult: async ({ result }) => result,
  };
  return {
    db: f.db.withPlugin(recorder),
    statements: () => recorded.map((node) => f.db.getExecutor().compileQuery(node, createQueryId())),
  };
}

/**
 * The plans of the statements with their values, in order (PostgreSQL's `explain`, SQLite's `explain query
 * plan`); with `indexesOnly`, PostgreSQL's sequential scans ruled out, as the few rows of a test's table
 * would otherwise be read whole.
 */
async function explainAll(statements: readonly CompiledQuery[], indexesOnly = false): Promise<string[]> {
  const postgres = f.dialect === 'postgres';
  return f.db.connection().execute(async (conn) => {
    if (postgres && indexesOnly) await sql`set enable_seqscan = off`.execute(conn);
    try {
      const plans = [];
      for (const { sql: text, parameters } of statements) {
        const plan = await conn.executeQuery<Record<string, unknown>>(
          CompiledQuery.raw(`${postgres ? 'explain' : 'explain query plan'} ${text}`, [...parameters]),
        );
        plans.push(plan.rows.map((r) => String(r['QUERY PLAN'] ?? r.detail)).join('\n'));
      }
      return plans;
    } finally {
      if (postgres && indexesOnly) await sql`reset enable_seqscan`.execute(conn);
    }
  });
}

/** The states of the named queued messages, in their order. */
const queueStates = async (keys: readonly string[]) => {
  const rows = await f.db.selectFrom('outgoing_messages').select(['key', 'state']).where('key', 'in', keys).execute();
  const states = new Map(rows.map((r) => [r.key, r.state]));
  return keys.map((k) => states.get(k));
};

async function webhook(path: string, body: Record<string, unknown>, token?: string) {
  const response = await fetch(`${f.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-gwapi-signature': token } : {}) },
    body: JSON.stringify(body),
  });
  return response.status;
}

describe('the server sends the practices’ messages', () => {
  let d: Device;
  let practiceId = '';

  beforeAll(async () => {
    d = device(await f.registered('sender', 'Correct-Horse-7-Battery'));
    await d.engine.sync();
    practiceId = await practiceOfToken(d.token);
  });

  it('holds an SMS without credits, sends it by itself once credits are bought, and charges its parts', async () => {
    await at(d, berlin('2026-06-01', 10));
    const patient = d.fx.patient({ firstName: 'Åsa', lastName: 'Lind' });
    const message = d.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: patient.id,
      recipient: null,
      subject: '',
      body: 'Bitte bringen Sie Ihre Versichertenkarte mit.',
      scheduledAt: null,
    }) as { id: string; segments: number };
    await d.engine.sync();
    expect(statusOn(d, message.id).status).toBe('queued');

    expect(await f.server.dispatcher.tick()).toBe(1);
    await d.engine.pull();
    expect(statusOn(d, message.id)).toMatchObject({ status: 'held', error: 'no_credits' });
    expect((await f.api('GET', '/api/credits', undefined, d.token)).body.held).toBe(1);
    expect(sentFiles().some((s) => s.id === message.id)).toBe(false);

    const bought = await order(d.token, d.fx.tenantId);
    expect(bought.status).toBe(201);
    expect(bought.body.balance).toBe(500);
    await f.server.dispatcher.tick();
    await d.engine.pull();
    expect(statusOn(d, message.id).status).toBe('sent');
    expect(sentFiles().filter((s) => s.id === message.id)).toMatchObject([
      { id: message.id, to: patient.mobile, text: 'Bitte bringen Sie Ihre Versichertenkarte mit.' },
    ]);
    expect(await balanceOf(d.token, d.fx.tenantId)).toBe(500 - message.segments);
    // The balance reaches the devices with the tenant's row, and it is the ledger's sum.
    expect(d.fx.core.practice.tenants().find((t) => t.id === d.fx.tenantId)!.smsCredits).toBe(500 - message.segments);
    expect(await f.server.ledger.sum(practiceId, d.fx.tenantId)).toBe(500 - message.segments);

    // A signed delivery receipt marks it delivered on the device; a forged one changes nothing.
    const receipt = { id: 0, msisdn: Number(patient.mobile!.slice(1)), status: 'DELIVERED', userref: message.id };
    const providerId = (
      await f.db
        .selectFrom('outgoing_messages')
        .select('provider_id')
        .where('message_id', '=', message.id)
        .executeTakeFirstOrThrow()
    ).provider_id!;
    expect(providerId).toBe(message.id);
    expect(
      await webhook(
        '/api/sms/gatewayapi/status',
        { ...receipt, id: 42 },
        await signed({ ...receipt, id: 42 }, 'not-the-secret-0123456789'),
      ),
    ).toBe(401);
    expect(await webhook('/api/sms/gatewayapi/status', { ...receipt, id: 42 })).toBe(401);
    await d.engine.pull();
    expect(statusOn(d, message.id).status).toBe('sent');
  });

  it('sends e-mail through SMTP with the message id, and a receipt for an SMS marks it delivered', async () => {
    const patient = d.fx.patient({ channel: 'email' });
    const mail = d.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'email',
      patientId: patient.id,
      recipient: null,
      subject: 'Ihr Termin',
      body: 'Wir freuen uns auf Sie.',
      scheduledAt: null,
    }) as { id: string };
    const before = f.inbox.length;
    await d.engine.sync();
    await f.server.dispatcher.tick();
    await expect.poll(() => f.inbox.length).toBeGreaterThan(before);
    const raw = f.inbox.filter((m) => m.to === patient.email).at(-1)!.raw;
    expect(raw).toContain(`Message-ID: <${mail.id}@clinicdesk>`);
    expect(raw).toContain('Wir freuen uns auf Sie.');
    await d.engine.pull();
    expect(statusOn(d, mail.id).status).toBe('sent');
  });

  it('marks an SMS delivered from a signed receipt naming the provider’s id', async () => {
    const patient = d.fx.patient();
    const sms = d.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: patient.id,
      recipient: null,
      subject: '',
      body: 'Ihr Rezept liegt bereit.',
      scheduledAt: null,
    }) as { id: string };
    await d.engine.sync();
    await f.server.dispatcher.tick();
    // The file carrier's id is the message id; GatewayAPI's is its own number (see the adapter's test). This
    // receipt names no userref: the message is found by the provider's id.
    const providerId = sms.id;
    const receipt = { id: 7001, msisdn: Number(patient.mobile!.slice(1)), status: 'DELIVERED' };
    await f.db
      .updateTable('outgoing_messages')
      .set({ provider_id: '7001' })
      .where('provider_id', '=', providerId)
      .execute();
    expect(await webhook('/api/sms/gatewayapi/status', receipt, await signed(receipt))).toBe(204);
    // The signature must name the same message as the body.
    expect(
      await webhook(
        '/api/sms/gatewayapi/status',
        { ...receipt, status: 'REJECTED' },
        await signed({ ...receipt, id: 1 }),
      ),
    ).toBe(401);
    await d.engine.pull();
    expect(statusOn(d, sms.id)).toMatchObject({ status: 'delivered', delivered_at: f.clock.now });
    // Malformed: a clear 400, nothing changed.
    expect(await webhook('/api/sms/gatewayapi/status', { id: 'x' }, await signed({ id: 'x' }))).toBe(400);
  });

  it('never sends a reminder late: it expires when its appointment has begun; quiet hours defer an SMS', async () => {
    await at(d, berlin('2026-06-02', 9));
    const patient = d.fx.patient();
    const booked = d.fx.book({ patientId: patient.id, startAt: berlin('2026-06-03', 10) });
    if (booked.kind !== 'done') throw new Error('not booked');
    const reminder = booked.messages.find((m) => m.kind === 'reminder')!;
    expect(reminder.status).toBe('scheduled');
    await d.engine.sync();
    // The server was down until after the appointment began.
    await at(d, berlin('2026-06-03', 10, 5));
    await f.server.dispatcher.tick();
    await d.engine.pull();
    expect(statusOn(d, reminder.id)).toMatchObject({ status: 'expired', error: 'appointment_started' });
    expect(sentFiles().some((s) => s.id === reminder.id)).toBe(false);

    // 22:30 in Berlin is inside the default quiet hours (20:00–08:00): a free-text SMS waits until 08:00.
    await at(d, berlin('2026-06-03', 22, 30));
    const late = d.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: patient.id,
      recipient: null,
      subject: '',
      body: 'Guten Morgen!',
      scheduledAt: berlin('2026-06-03', 22, 30),
    }) as { id: string; scheduledAt: number };
    // The desktop already plans it for 08:00; the server checks again (a device's clock or rule may differ):
    // here the queue row is made due at 22:30 to show it.
    await d.engine.sync();
    await f.db
      .updateTable('outgoing_messages')
      .set({ next_attempt_at: f.clock.now })
      .where('message_id', '=', late.id)
      .execute();
    await f.server.dispatcher.tick();
    const waiting = await f.db
      .selectFrom('outgoing_messages')
      .selectAll()
      .where('message_id', '=', late.id)
      .executeTakeFirstOrThrow();
    expect(waiting.state).toBe('queued');
    expect(Number(waiting.next_attempt_at)).toBe(berlin('2026-06-04', 8));
    await at(d, berlin('2026-06-04', 8));
    await f.server.dispatcher.tick();
    await d.engine.pull();
    expect(statusOn(d, late.id).status).toBe('sent');
  });

  it('STOP by inbound SMS opts the patient out on the device; their next message is skipped', async () => {
    await at(d, berlin('2026-06-04', 9));
    const patient = d.fx.patient();
    const first = d.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: patient.id,
      recipient: null,
      subject: '',
      body: 'Erinnerung',
      scheduledAt: null,
    }) as { id: string };
    await d.engine.sync();
    await f.server.dispatcher.tick();
    const msisdn = Number(patient.mobile!.slice(1));
    // Malformed or unsigned: refused, nothing written.
    expect(await webhook('/api/sms/gatewayapi/inbound', { id: 5, msisdn, message: 'STOP' })).toBe(401);
    expect(await webhook('/api/sms/gatewayapi/inbound', { id: 5, msisdn: 'x' }, await signed({ id: 5 }))).toBe(400);
    await d.engine.pull();
    expect(d.fx.core.patients.get(patient.id).optOutSms).toBe(false);

    const inbound = { id: 6, msisdn, receiver: 4512345678, message: ' Stopp. ' };
    expect(await webhook('/api/sms/gatewayapi/inbound', inbound, await signed(inbound))).toBe(204);
    await d.engine.pull();
    expect(d.fx.core.patients.get(patient.id).optOutSms).toBe(true);
    expect(statusOn(d, first.id).status).toBe('sent');

    // A message another device planned before it learnt of the opt-out is skipped by the server.
    const other = device(
      { accessToken: d.token, refreshToken: d.refreshToken },
      practiceFixture(berlin('2026-06-04', 9)),
    );
    await other.engine.adoptAccountPractice();
    other.fx.core.db.prepare('UPDATE patients SET opt_out_sms = 0 WHERE id = ?').run(patient.id);
    const planned = other.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: patient.id,
      recipient: null,
      subject: '',
      body: 'Noch eine Erinnerung',
      scheduledAt: null,
    }) as { id: string };
    await other.engine.push();
    await f.server.dispatcher.tick();
    await d.engine.pull();
    expect(statusOn(d, planned.id)).toMatchObject({ status: 'skipped', error: 'opted_out' });
    other.fx.core.close();
    const start = { id: 7, msisdn, message: 'START' };
    expect(await webhook('/api/sms/gatewayapi/inbound', start, await signed(start))).toBe(204);
    await d.engine.pull();
    expect(d.fx.core.patients.get(patient.id).optOutSms).toBe(false);
  });

  it('retries a transient error with backoff; a permanent one fails with the reason and refunds', async () => {
    await at(d, berlin('2026-06-05', 9));
    const patient = d.fx.patient();
    const compose = (body: string) =>
      d.fx.core.handlers.messages.compose({
        tenantId: null,
        channel: 'sms',
        patientId: patient.id,
        recipient: null,
        subject: '',
        body,
        scheduledAt: null,
      }) as { id: string; segments: number };
    const retried = compose('Zweiter Versuch');
    await d.engine.sync();
    const before = await balanceOf(d.token, d.fx.tenantId);
    script.failures.push('transient');
    await f.server.dispatcher.tick();
    let row = await f.db
      .selectFrom('outgoing_messages')
      .selectAll()
      .where('message_id', '=', retried.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'sending', error: 'scripted transient failure' });
    expect(Number(row.next_attempt_at)).toBe(f.clock.now + 30_000);
    // Not again before its time; once, at its time — and the debit is not taken twice.
    expect(await f.server.dispatcher.tick()).toBe(0);
    await at(d, f.clock.now + 30_000);
    await f.server.dispatcher.tick();
    row = await f.db
      .selectFrom('outgoing_messages')
      .selectAll()
      .where('message_id', '=', retried.id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('sent');
    expect(await balanceOf(d.token, d.fx.tenantId)).toBe(before - retried.segments);

    const refused = compose('Abgelehnt');
    await d.engine.sync();
    script.failures.push('permanent');
    await f.server.dispatcher.tick();
    await d.engine.pull();
    expect(statusOn(d, refused.id)).toMatchObject({ status: 'failed', error: 'scripted permanent failure' });
    expect(await balanceOf(d.token, d.fx.tenantId)).toBe(before - retried.segments);
    const kinds = (await f.server.ledger.entries(practiceId, d.fx.tenantId, 100))
      .filter((e) => e.messageId === refused.id)
      .map((e) => [e.kind, e.amount]);
    expect(kinds.sort()).toEqual([
      ['debit', -1],
      ['refund', 1],
    ]);
    expect(await f.server.ledger.sum(practiceId, d.fx.tenantId)).toBe(await balanceOf(d.token, d.fx.tenantId));
  });

  it('a message debited before its practice moves (an upgrade) is refunded once when it fails after', async () => {
    const m = device(await f.registered('mover', 'Correct-Horse-7-Battery'));
    await at(m, berlin('2026-06-06', 9));
    await m.engine.sync();
    expect((await order(m.token, m.fx.tenantId)).status).toBe(201);
    const start = await balanceOf(m.token, m.fx.tenantId);
    const patient = m.fx.patient();
    const message = m.fx.core.handlers.messages.compose({
      tenantId: null,
      channel: 'sms',
      patientId: patient.id,
      recipient: null,
      subject: '',
      body: 'Vor dem Umzug',
      scheduledAt: null,
    }) as { id: string; segments: number };
    await m.engine.sync();
    // Debited, then a transient failure: it waits for its retry …
    script.failures.push('transient');
    await f.server.dispatcher.tick();
    expect(await balanceOf(m.token, m.fx.tenantId)).toBe(start - message.segments);
    // … while the account becomes an organisation and the practice moves with it.
    expect((await f.api('POST', '/api/account/organisation', { name: 'Praxis Umzug' }, m.token)).status).toBe(201);
    await at(m, f.clock.now + 30_000);
    const practice = await practiceOfToken(m.token);
    expect(practice.startsWith('org:')).toBe(true);
    // The retry fails for good: the debit made before the move is refunded, once.
    script.failures.push('permanent');
    await f.server.dispatcher.tick();
    await f.server.dispatcher.tick();
    const row = await f.db
      .selectFrom('outgoing_messages')
      .select(['state', 'practice_id'])
      .where('message_id', '=', message.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'failed', practice_id: practice });
    const kinds = (await f.server.ledger.entries(practice, m.fx.tenantId, 100))
      .filter((e) => e.messageId === message.id)
      .map((e) => [e.kind, e.amount]);
    expect(kinds.sort()).toEqual([
      ['debit', -message.segments],
      ['refund', message.segments],
    ]);
    expect(await balanceOf(m.token, m.fx.tenantId)).toBe(start);
  });

  it('two dispatchers racing send each message once and never overdraw the tenant', async () => {
    await at(d, berlin('2026-06-06', 9));
    const r = device(await f.registered('racer', 'Correct-Horse-7-Battery'), practiceFixture(berlin('2026-06-06', 9)));
    await r.engine.sync();
    const racePractice = await practiceOfToken(r.token);
    // 120 single-part messages, credits for 100.
    const ids: string[] = [];
    for (let i = 0; i < 120; i += 1)
      ids.push(
        (
          r.fx.core.handlers.messages.compose({
            tenantId: null,
            channel: 'sms',
            patientId: null,
            recipient: `+4917123${String(40000 + i)}`,
            subject: '',
            body: `Nachricht ${i}`,
            scheduledAt: null,
          }) as { id: string }
        ).id,
      );
    await r.engine.sync();
    await f.server.ledger.importBalance(racePractice, 100, 'race');
    const one = dispatcherOf('one', { batch: 25, concurrency: 4 });
    const two = dispatcherOf('two', { batch: 25, concurrency: 4 });
    for (let round = 0; round < 8; round += 1) await Promise.all([one.tick(), two.tick(), one.tick(), two.tick()]);
    const states = await f.db
      .selectFrom('outgoing_messages')
      .select(['message_id', 'state'])
      .where('practice_id', '=', racePractice)
      .execute();
    const sent = states.filter((s) => s.state === 'sent').map((s) => s.message_id);
    expect(sent).toHaveLength(100);
    expect(states.filter((s) => s.state === 'held')).toHaveLength(20);
    const files = new Set(sentFiles().map((s) => s.id));
    expect(ids.filter((id) => files.has(id))).toHaveLength(100);
    expect(await f.server.ledger.balance(racePractice, r.fx.tenantId)).toBe(0);
    expect(await f.server.ledger.sum(racePractice, r.fx.tenantId)).toBe(0);
    const debits = (await f.server.ledger.entries(racePractice, r.fx.tenantId, 500)).filter((e) => e.kind === 'debit');
    expect(new Set(debits.map((e) => e.messageId)).size).toBe(100);
    r.fx.core.close();
  });

  it('leaves a practice another process is working on to it while other practices have due messages', async () => {
    await at(d, berlin('2026-06-08', 9));
    const practices = [];
    for (const name of ['worked', 'waiting']) {
      const p = device(await f.registered(name, 'Correct-Horse-7-Battery'), practiceFixture(berlin('2026-06-08', 9)));
      await p.engine.sync();
      for (let i = 0; i < (name === 'worked' ? 14 : 6); i += 1)
        p.fx.core.handlers.messages.compose({
          tenantId: null,
          channel: 'sms',
          patientId: null,
          recipient: `+4917124${name === 'worked' ? 1 : 2}${String(10000 + i)}`,
          subject: '',
          body: `${name} ${i}`,
          scheduledAt: null,
        });
      await p.engine.sync();
      const practiceId = await practiceOfToken(p.token);
      await f.server.ledger.importBalance(practiceId, 100, `busy-${name}`);
      practices.push({ p, practiceId });
    }
    const [worked, waiting] = practices;
    // The first practice's messages are due first: the head of the queue a claim reads (four batches, 16)
    // holds its 14 and two of the other's.
    await f.db
      .updateTable('outgoing_messages')
      .set({ next_attempt_at: f.clock.now - 60_000 })
      .where('practice_id', '=', worked!.practiceId)
      .execute();
    // Another process holds live leases on two of the first practice's messages.
    const held = await f.db
      .selectFrom('outgoing_messages')
      .select('key')
      .where('practice_id', '=', worked!.practiceId)
      .limit(2)
      .execute();
    await f.db
      .updateTable('outgoing_messages')
      .set({ lease_holder: 'elsewhere:1', lease_until: f.clock.now + 60_000 })
      .where(
        'key',
        'in',
        held.map((h) => h.key),
      )
      .execute();
    const dispatcher = dispatcherOf('here', { batch: 4, concurrency: 2 });
    const states = async (practiceId: string) =>
      (await f.db.selectFrom('outgoing_messages').select('state').where('practice_id', '=', practiceId).execute()).map(
        (r) => r.state,
      );
    // Two claims of four: the waiting practice's six messages (the first claim's two from the head and two
    // from deeper in the queue), none of the worked one's.
    expect(await dispatcher.tick()).toBe(4);
    expect(await dispatcher.tick()).toBe(2);
    expect((await states(waiting!.practiceId)).filter((state) => state === 'sent')).toHaveLength(6);
    expect((await states(worked!.practiceId)).filter((state) => state === 'sent')).toHaveLength(0);
    // Nothing else is due: its free messages are taken after all, and the other process's leases respected.
    expect(await dispatcher.tick()).toBe(4);
    expect((await states(worked!.practiceId)).filter((state) => state === 'sent')).toHaveLength(4);
    for (const { p } of practices) p.fx.core.close();
  });

  it('a claim on PostgreSQL skips the messages another claim is writing instead of waiting for them', async (ctx) => {
    // SQLite has one writer at a time: there is no other claim's row lock to skip.
    if (f.dialect !== 'postgres') ctx.skip();
    const { p, practiceId, keys } = await practiceWithDueSms(d, 'skipper', '2026-06-09', 8, '25');
    // Its messages head the queue (earlier tests left messages due, some of them since days).
    await f.db
      .updateTable('outgoing_messages')
      .set({ next_attempt_at: f.clock.now - 365 * 86_400_000 })
      .where('practice_id', '=', practiceId)
      .execute();
    // Another process's claim is writing three of them.
    const other = await rowLocksHeld(keys.slice(0, 3));
    const tick = dispatcherOf('skipping', { batch: 8, concurrency: 2 }).tick();
    // Only a bound for the failure (a claim that waits for the locks never settles while they are held).
    let bound: NodeJS.Timeout | undefined;
    const whileHeld = await Promise.race([
      tick,
      new Promise<'still waiting'>((resolve) => (bound = setTimeout(() => resolve('still waiting'), 15_000))),
    ]);
    clearTimeout(bound);
    await other.release();
    await tick;
    expect(whileHeld).toBe(5);
    expect(await queueStates(keys)).toEqual([...Array(3).fill('queued'), ...Array(5).fill('sent')]);
    // Once the other claim is done with them, they are taken.
    await dispatcherOf('skipping', { batch: 8, concurrency: 2 }).tick();
    expect(await queueStates(keys)).toEqual(Array(8).fill('sent'));
    p.fx.core.close();
  }, 40_000);

  it('a claim whose every choice another claim is writing takes the practice’s other messages, not nothing', async (ctx) => {
    if (f.dialect !== 'postgres') ctx.skip();
    const { p, keys } = await practiceWithDueSms(d, 'contested', '2026-06-10', 12, '27');
    const [first, rest] = [keys.slice(0, 8), keys.slice(8)];
    // The first eight head the whole queue: a claim of eight chooses exactly them.
    for (const [group, years] of [
      [first, 2],
      [rest, 1],
    ] as const)
      await f.db
        .updateTable('outgoing_messages')
        .set({ next_attempt_at: f.clock.now - years * 365 * 86_400_000 })
        .where('key', 'in', group)
        .execute();
    // Another process's claim is writing those eight (its update has not committed).
    const other = await rowLocksHeld(first);
    try {
      const dispatcher = dispatcherOf('contesting', { batch: 8, concurrency: 2 });
      // Each choice of the taken eight is skipped; the claim chooses again without them, until nothing
      // else is due. (Before: five choices of the same eight, and the tick came back empty.)
      let ticks = 0;
      for (let n = await dispatcher.tick(); n > 0; n = await dispatcher.tick()) ticks += 1;
      expect(ticks).toBeGreaterThan(0);
      expect(await queueStates(rest)).toEqual(Array(4).fill('sent'));
      expect(await queueStates(first)).toEqual(Array(8).fill('queued'));
    } finally {
      await other.release();
      p.fx.core.close();
    }
  });

  it('a push reaching a message the dispatcher is beginning waits its turn on the practice, no deadlock', async (ctx) => {
    // PostgreSQL's row locks; SQLite has one writer at a time.
    if (f.dialect !== 'postgres') ctx.skip();
    const { p, practiceId, keys } = await practiceWithDueSms(d, 'pusher', '2026-06-11', 1, '28');
    await f.db
      .updateTable('outgoing_messages')
      .set({ next_attempt_at: f.clock.now - 3 * 365 * 86_400_000 })
      .where('key', 'in', keys)
      .execute();
    // A device's push: it has taken the practice's counter, and its hook will touch the message's queue row.
    let pushed!: () => void;
    const go = new Promise<void>((resolve) => (pushed = resolve));
    let counted!: () => void;
    const hasCounter = new Promise<void>((resolve) => (counted = resolve));
    const push = f.db.transaction().execute(async (trx) => {
      await f.server.sync.holdCounter(trx, practiceId);
      counted();
      await go;
      await trx
        .updateTable('outgoing_messages')
        .set((eb) => ({ updated_at: eb('updated_at', '+', 1) }))
        .where('key', 'in', keys)
        .execute();
    });
    await hasCounter;
    const logged: string[] = [];
    const tick = dispatcherOf('beginning', { batch: 8, concurrency: 2, log: (message) => logged.push(message) }).tick();
    // The dispatcher has claimed the message and waits for a lock (the practice's counter).
    await expect
      .poll(async () =>
        Number(
          (
            await sql<{ n: string }>`select count(*) as n from pg_stat_activity
              where wait_event_type = 'Lock' and datname = current_database()`.execute(f.db)
          ).rows[0]!.n,
        ),
      )
      .toBeGreaterThan(0);
    pushed();
    await push;
    await tick;
    // Before, the dispatcher had locked the message before it asked for the counter: PostgreSQL found the
    // two waiting for each other after a second and ended the batch, which went again message by message.
    expect(logged).toEqual([]);
    expect(await queueStates(keys)).toEqual(['sent']);
    p.fx.core.close();
  });

  it('reads the head of a burst off the queue’s index on PostgreSQL, without sorting the burst', async (ctx) => {
    // PostgreSQL sorted a burst of 10,000 at every claim of 200; SQLite's planner chooses by its own rules.
    if (f.dialect !== 'postgres') ctx.skip();
    const practiceId = `acct:plan-${randomUUID()}`;
    await enqueueDue(practiceId, '26', 3000);
    try {
      // Statistics as autovacuum leaves them once the queue has grown.
      await sql`analyze outgoing_messages`.execute(f.db);
      const head = dueMessages(f.db, f.clock.now, { skip: [], limit: 800, free: false });
      const plan = (await sql<{ 'QUERY PLAN': string }>`explain ${head}`.execute(f.db)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('Index Scan using outgoing_queue_head');
      expect(plan).not.toContain('Sort');
      // The server prepares this statement (server/db/pgPreparedStatements.ts): after five executions
      // PostgreSQL may plan it once for any values, so that plan must read the index as well.
      const { sql: text, parameters } = head.compile();
      const generic = await f.db.connection().execute(async (conn) => {
        await sql.raw(`prepare head_generic as ${text}`).execute(conn);
        try {
          await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
          const explained = await sql
            .raw<{ 'QUERY PLAN': string }>(`explain execute head_generic(${parameters.map(Number).join(', ')})`)
            .execute(conn);
          return explained.rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await sql`reset plan_cache_mode`.execute(conn);
          await sql`deallocate head_generic`.execute(conn);
        }
      });
      expect(generic).toContain('Index Scan using outgoing_queue_head');
      expect(generic).not.toContain('Sort');
      expect(await head.execute()).toHaveLength(800);
    } finally {
      await f.db.deleteFrom('outgoing_messages').where('practice_id', '=', practiceId).execute();
    }
  });

  it('claims by the chosen messages’ keys alone on PostgreSQL, whatever the history left in the indexes', async (ctx) => {
    // A claim names the messages it chose. With its conditions (state, due time) in the statement as well,
    // PostgreSQL intersected those keys with an index of states and due times (`outgoing_due` until
    // migration 022, the queue's head index since), whose entries for the queued and sending versions the
    // history left stay until vacuum: 223,000 read per claim of 200 in the sending benchmark after a few
    // bursts.
    if (f.dialect !== 'postgres') ctx.skip();
    const practiceId = `acct:claim-plan-${randomUUID()}`;
    const history = await enqueueDue(practiceId, '27', 6000);
    const burst = await enqueueDue(practiceId, '27', 1000, 6000);
    try {
      // The history went through "sending" to "sent": each state a row version with its own index entries.
      for (const state of ['sending', 'sent'] as const)
        await f.db
          .updateTable('outgoing_messages')
          .set({ state })
          .where(
            'key',
            'in',
            history.map((m) => m.key),
          )
          .execute();
      await sql`analyze outgoing_messages`.execute(f.db);
      // A claim takes only what is free: all 200 chosen, then none of them again, nor any of the history.
      const claim = (keys: readonly string[]) =>
        claimRows(f.db, { keys, claim: 'plan:1', now: f.clock.now, leaseMs: 60_000, dialect: 'postgres' });
      const chosen = burst.slice(0, 200).map((m) => m.key);
      expect((await claim(chosen)).map((r) => r.key).sort()).toEqual([...chosen].sort());
      expect(await claim(chosen)).toEqual([]);
      expect(await claim(history.slice(0, 50).map((m) => m.key))).toEqual([]);
      // Every statement of a dispatcher's tick, explained with its values afterwards: apart from the head's
      // read, which is what the queue's index is for, none reads an index of states or due times — after
      // migration 022 the old claim intersected its keys with the queue's head index instead.
      const recording = recordingDb();
      await dispatcherOf('plan', { batch: 200, concurrency: 2 }, undefined, recording.db).tick();
      const byKey = recording
        .statements()
        .filter((s) => s.sql.includes('"outgoing_messages"') && !s.sql.includes('order by "next_attempt_at"'));
      expect(byKey.filter((s) => s.sql.includes('for update skip locked'))).toHaveLength(1);
      const plans = await explainAll(byKey);
      plans.forEach((plan, i) => expect(plan, byKey[i]!.sql).not.toMatch(/outgoing_queue_head|outgoing_held/));
    } finally {
      await f.db.deleteFrom('outgoing_messages').where('practice_id', '=', practiceId).execute();
    }
  });

  it('asks for a practice’s held messages through the index of held messages alone', async () => {
    // Nothing else of the queue is asked for by state, so no index of states takes an entry for every
    // status a message passes through (migration 022). SQLite uses a partial index only for a query that
    // names the state as a literal.
    const { db, statements } = recordingDb();
    const dispatcher = dispatcherOf('held-plan', { batch: 8, concurrency: 2 }, undefined, db);
    const practice = `acct:held-plan-${randomUUID()}`;
    expect(await dispatcher.heldCount(practice)).toBe(0);
    await db.transaction().execute((trx) => dispatcher.releaseHeld(trx, practice, randomUUID()));
    await db.transaction().execute((trx) => dispatcher.releaseUnsubscribed(trx, practice));
    expect(statements()).toHaveLength(3);
    const plans = await explainAll(statements(), true);
    for (const plan of plans) expect(plan).toContain('outgoing_held');
  });

  it('waits on SQLite for another process’s write to the file before it claims, as a single write does', async (ctx) => {
    // A server CLI command (credits) writes the same file from its own process. A claim that read the rows
    // in a transaction before it leased them failed at once when it could not take the write lock
    // (SQLITE_BUSY); a single statement waits for it (busy_timeout).
    if (f.dialect !== 'sqlite') ctx.skip();
    const practiceId = `acct:claim-wait-${randomUUID()}`;
    const rows = await enqueueDue(practiceId, '28', 5);
    // The other process: a thread of its own with its own connection, holding the write lock for a moment.
    const other = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData.file);
       db.exec('begin immediate');
       parentPort.postMessage('locked');
       setTimeout(() => { db.exec('commit'); db.close(); parentPort.postMessage('released'); }, 300);`,
      { eval: true, workerData: { file: join(f.dataDir, SERVER_DB_FILE) } },
    );
    const released = new Promise((resolve) => other.on('message', (m) => m === 'released' && resolve(m)));
    try {
      await new Promise((resolve) => other.once('message', resolve));
      const keys = rows.map((r) => r.key);
      const claimed = await claimRows(f.db, {
        keys,
        claim: 'wait:1',
        now: f.clock.now,
        leaseMs: 60_000,
        dialect: 'sqlite',
      });
      expect(claimed.map((r) => r.key).sort()).toEqual([...keys].sort());
      await released;
    } finally {
      await other.terminate();
      await f.db.deleteFrom('outgoing_messages').where('practice_id', '=', practiceId).execute();
    }
  });

  it('leaves room in the queue’s pages for a claim’s row version on PostgreSQL (no new index entries)', async (ctx) => {
    if (f.dialect !== 'postgres') ctx.skip();
    const { rows } = await sql<{ reloptions: string[] | null }>`
      select reloptions from pg_class where relname = 'outgoing_messages'`.execute(f.db);
    expect(rows[0]?.reloptions).toEqual(['fillfactor=70']);
    // A claim writes no indexed column: nothing indexes the lease.
    const indexed = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = 'outgoing_messages'`.execute(f.db);
    expect(indexed.rows.map((r) => r.indexdef).join('\n')).not.toMatch(/lease|attempts/);
  });

  it('hands a burst to GatewayAPI in lists; a refused list goes again one by one; receipts find messages by reference', async () => {
    await at(d, berlin('2026-06-07', 9));
    const g = device(await f.registered('lister', 'Correct-Horse-7-Battery'), practiceFixture(berlin('2026-06-07', 9)));
    await g.engine.sync();
    const listPractice = await practiceOfToken(g.token);
    const refused = 4917123550007;
    const messages = Array.from({ length: 60 }, (_, i) => {
      const recipient = `+4917123${String(550000 + i)}`;
      const { id } = g.fx.core.handlers.messages.compose({
        tenantId: null,
        channel: 'sms',
        patientId: null,
        recipient,
        subject: '',
        body: `Liste ${i}`,
        scheduledAt: null,
      }) as { id: string };
      return { id, recipient };
    });
    await g.engine.sync();
    await f.server.ledger.importBalance(listPractice, 100, 'lists');
    // A stand-in of the provider's documented API: a list root takes one id per message, in order; a request
    // naming the refused number is refused whole (422), as the provider refuses a list.
    const requests: unknown[] = [];
    let nextId = 50_000;
    const provider = await startGatewayApiStandIn(({ body }) => {
      requests.push(body);
      const list = (Array.isArray(body) ? body : [body]) as { recipients: { msisdn: number }[] }[];
      return list.some((m) => m.recipients[0]!.msisdn === refused)
        ? { status: 422, body: { code: '0x0202', message: 'Invalid recipient' } }
        : { status: 200, body: { ids: list.map(() => nextId++) } };
    });
    try {
      const dispatcher = dispatcherOf(
        'lists',
        { batch: 25, concurrency: 4 },
        gatewayApiCarrier({
          baseUrl: provider.url,
          token: 'list-token-0123456789',
          sender: 'Praxis',
        }),
      );
      while ((await dispatcher.tick()) > 0);
      const rows = await f.db
        .selectFrom('outgoing_messages')
        .select(['message_id', 'recipient', 'state', 'provider_id', 'error'])
        .where('practice_id', '=', listPractice)
        .execute();
      const sent = rows.filter((r) => r.state === 'sent');
      expect(sent).toHaveLength(59);
      expect(rows.find((r) => r.recipient === `+${refused}`)).toMatchObject({
        state: 'failed',
        error: 'gatewayapi 422: Invalid recipient',
      });
      // Three claims of 25, 25 and 10: three lists, one refused and its 25 messages sent again one by one.
      expect(requests.filter((r) => Array.isArray(r))).toHaveLength(3);
      expect(requests.filter((r) => !Array.isArray(r))).toHaveLength(25);
      // Every message reached the provider, and each has its own id.
      const taken = requests.flatMap((r) => (Array.isArray(r) ? r : [r]) as { userref: string }[]);
      const once = messages.filter((m) => m.recipient !== `+${refused}`).map((m) => m.id);
      expect(once.every((id) => taken.filter((t) => t.userref === id).length >= 1)).toBe(true);
      expect(new Set(sent.map((r) => r.provider_id)).size).toBe(59);
      // The debit of the refused one was refunded: 59 parts spent.
      expect(await f.server.ledger.balance(listPractice, g.fx.tenantId)).toBe(41);
      expect(await f.server.ledger.sum(listPractice, g.fx.tenantId)).toBe(41);

      // A receipt whose id names another message than its userref (a list's ids in another order): the
      // message of its userref and number.
      const [first, second, third, fourth] = sent;
      const msisdn = (row: (typeof sent)[number]) => Number(row.recipient.slice(1));
      const crossed = {
        id: Number(second!.provider_id),
        msisdn: msisdn(first!),
        status: 'DELIVERED',
        userref: first!.message_id,
      };
      expect(await webhook('/api/sms/gatewayapi/status', crossed, await signed(crossed))).toBe(204);
      // The userref with another number is no reference: nothing changes.
      const astray = {
        id: Number(third!.provider_id),
        msisdn: refused,
        status: 'DELIVERED',
        userref: third!.message_id,
      };
      expect(await webhook('/api/sms/gatewayapi/status', astray, await signed(astray))).toBe(204);
      // An id that names nothing (an earlier hand-over's) finds by reference only a message taken without an
      // id of its own.
      const stale = { id: 1, msisdn: msisdn(third!), status: 'REJECTED', userref: third!.message_id };
      expect(await webhook('/api/sms/gatewayapi/status', stale, await signed(stale))).toBe(204);
      await f.db
        .updateTable('outgoing_messages')
        .set({ provider_id: `ref:${fourth!.message_id}` })
        .where('message_id', '=', fourth!.message_id)
        .execute();
      const unnumbered = { id: 2, msisdn: msisdn(fourth!), status: 'DELIVERED', userref: fourth!.message_id };
      // A signed receipt replayed with another status, number or reference is refused.
      const token = await signed(unnumbered);
      for (const forged of [
        { ...unnumbered, status: 'REJECTED' },
        { ...unnumbered, msisdn: msisdn(third!) },
        { ...unnumbered, userref: third!.message_id },
      ])
        expect(await webhook('/api/sms/gatewayapi/status', forged, token)).toBe(401);
      expect(await webhook('/api/sms/gatewayapi/status', unnumbered, token)).toBe(204);
      await g.engine.pull();
      expect(statusOn(g, first!.message_id).status).toBe('delivered');
      expect(statusOn(g, second!.message_id).status).toBe('sent');
      expect(statusOn(g, third!.message_id).status).toBe('sent');
      expect(statusOn(g, fourth!.message_id).status).toBe('delivered');
    } finally {
      await provider.close();
      g.fx.core.close();
    }
  });

  it('refuses bad input to the credit routes and writes nothing', async () => {
    const before = await f.db
      .selectFrom('credit_ledger')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    const key = randomUUID().replace(/-/g, '');
    expect((await order(d.token, randomUUID(), 'sms-500', key)).body.error.code).toBe('tenant_unknown');
    expect((await order(d.token, d.fx.tenantId, 'sms-3', key)).status).toBe(400);
    expect(
      (
        await f.api(
          'POST',
          '/api/credits/orders',
          { tenantId: d.fx.tenantId, pack: 'sms-500', idempotencyKey: key, amount: 5 },
          d.token,
        )
      ).status,
    ).toBe(400);
    // Service-desk routes are for the service desk only.
    const transfer = {
      from: { practice: practiceId, tenantId: d.fx.tenantId },
      to: { practice: practiceId, tenantId: d.fx.tenantId },
      amount: 5,
      idempotencyKey: key,
    };
    expect((await f.api('POST', '/api/admin/credits/transfer', transfer, d.token)).status).toBe(403);
    expect((await f.api('POST', '/api/admin/credits/transfer', { ...transfer, amount: -5 }, d.token)).status).toBe(400);
    expect((await f.api('POST', '/api/admin/credits/transfer', { ...transfer, amount: 1.5 }, d.token)).status).toBe(
      400,
    );
    const after = await f.db
      .selectFrom('credit_ledger')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));

    // The same order sent twice (a double click) books once.
    const twice = randomUUID().replace(/-/g, '');
    const balance = await balanceOf(d.token, d.fx.tenantId);
    const [x, y] = await Promise.all([
      order(d.token, d.fx.tenantId, 'sms-500', twice),
      order(d.token, d.fx.tenantId, 'sms-500', twice),
    ]);
    expect(x.body.orderId).toBe(y.body.orderId);
    expect(await balanceOf(d.token, d.fx.tenantId)).toBe(balance + 500);
  });
});
