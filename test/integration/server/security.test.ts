/**
 * What an outside security probe found, each reproduced against the real server (SQLite and PostgreSQL)
 * and shown closed: racing the two-factor lock, invitations that void another organisation's, account
 * enumeration, 500s on empty and deep bodies and on racing registrations, sign-in limits that a second
 * address or a username spray could get around, look-alike usernames, unkeyed access-code hashes, files
 * readable by others, and answers that may be cached. Concurrency is tested by really racing requests
 * from several loopback source addresses.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_DB_FILE } from '../../../server/db/database';
import { SECRET_FILE } from '../../../server/security/serverSecret';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

const GOOD = 'Correct-Horse-7-Battery';
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
type Session = { accessToken: string; refreshToken: string };

/** A fresh loopback address per registration: the route's own per-address limit is not what these tests probe. */
let nextAddress = 0;
const freshAddress = () => `127.0.1.${(nextAddress += 1)}`;

/** An invited account (by the service, in an organisation, or alone) registered through the whole wizard. */
async function register(email: string, username: string, organisationId: string | null = null): Promise<Session> {
  const invited = await f.server.accounts.invite({ email, role: 'member', organisationId, language: 'en' });
  const session = (
    await f.apiFrom(freshAddress(), 'POST', `/api/registration/${invited!.token}`, { username, password: GOOD })
  ).body as Session;
  expect(session.accessToken, `${username} registered`).toBeDefined();
  const from = freshAddress();
  await f.apiFrom(from, 'POST', '/api/account/registration/pin', undefined, session.accessToken);
  await f.apiFrom(from, 'POST', '/api/account/registration/pin/confirm', undefined, session.accessToken);
  const done = await f.apiFrom(from, 'POST', '/api/account/registration/finish', undefined, session.accessToken);
  expect(done.body.registered, `${username} finished the wizard`).toBe(true);
  return session;
}

async function organisationAdmin(email: string, username: string, name: string) {
  const session = await register(email, username);
  const organisation = (await f.api('POST', '/api/account/organisation', { name }, session.accessToken)).body as {
    id: string;
  };
  return { session, organisationId: organisation.id };
}

describe('two-factor codes', () => {
  it('counts every attempt before checking it: of 30 codes sent at once from 3 addresses, 5 are checked', async () => {
    const session = await register('race@clinic.example', 'race.2fa');
    await f.api('POST', '/api/account/two-factor/start', { phone: '0171 9876543', country: 'DE' }, session.accessToken);
    const enable = f.smsCodes('+491719876543').at(-1)!;
    await f.api('POST', '/api/account/two-factor/confirm', { code: enable }, session.accessToken);
    f.clock.now += 61_000;
    const { challenge } = (await f.api('POST', '/api/auth/sign-in', { username: 'race.2fa', password: GOOD })).body;
    const right = f.smsCodes('+491719876543').at(-1)!;
    const wrong = Array.from({ length: 30 }, (_, i) => String((Number(right) + 1 + i) % 100_000_000).padStart(8, '0'));
    const answers = await Promise.all(
      wrong.map((code, i) => f.apiFrom(ADDRESSES[i % 3]!, 'POST', '/api/auth/two-factor', { challenge, code })),
    );
    const codes = answers.map((a) => a.body.error?.code as string);
    expect(codes.filter((c) => c === 'code_invalid')).toHaveLength(5);
    expect(codes.filter((c) => c === 'code_locked')).toHaveLength(25);
    // The right code comes too late: the code is locked.
    expect((await f.apiFrom(ADDRESSES[3]!, 'POST', '/api/auth/two-factor', { challenge, code: right })).body).toEqual({
      error: expect.objectContaining({ code: 'code_locked' }),
    });
  });

  it('signs in once when the right code is sent twice at once', async () => {
    await register('twice@clinic.example', 'twice.2fa');
    const session = (await f.api('POST', '/api/auth/sign-in', { username: 'twice.2fa', password: GOOD })).body;
    await f.api('POST', '/api/account/two-factor/start', { phone: '0171 5550123', country: 'DE' }, session.accessToken);
    await f.api(
      'POST',
      '/api/account/two-factor/confirm',
      { code: f.smsCodes('+491715550123').at(-1)! },
      session.accessToken,
    );
    f.clock.now += 61_000;
    const { challenge } = (await f.api('POST', '/api/auth/sign-in', { username: 'twice.2fa', password: GOOD })).body;
    const code = f.smsCodes('+491715550123').at(-1)!;
    const answers = await Promise.all(
      ADDRESSES.map((address) => f.apiFrom(address, 'POST', '/api/auth/two-factor', { challenge, code })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
  });
});

describe('invitations across organisations', () => {
  it("neither another organisation's admin nor an anonymous sign-up touches a pending invitation", async () => {
    const a = await organisationAdmin('admin@org-a.example', 'admin.orga', 'Org A');
    const b = await organisationAdmin('admin@org-b.example', 'admin.orgb', 'Org B');
    expect(
      (await f.api('POST', '/api/admin/invitations', { email: 'pending@org-b.example' }, b.session.accessToken)).status,
    ).toBe(202);
    const link = await f.linkFor('pending@org-b.example');
    const mails = () => f.inbox.filter((m) => m.to === 'pending@org-b.example').length;
    expect(mails()).toBe(1);

    // A invites the same address, three times; an anonymous sign-up, three times.
    for (let i = 0; i < 3; i += 1) {
      const answer = await f.api(
        'POST',
        '/api/admin/invitations',
        { email: 'pending@org-b.example' },
        a.session.accessToken,
      );
      expect(answer).toEqual({ status: 202, body: { status: 'sent' } });
      expect((await f.api('POST', '/api/registration/signup', { email: 'pending@org-b.example' })).status).toBe(202);
    }
    await f.server.accounts.settled();
    // B's link still works and belongs to B; the address got at most one notice, no new link.
    expect(await f.api('GET', `/api/registration/${link}`)).toMatchObject({
      status: 200,
      body: { email: 'pending@org-b.example', organisationName: 'Org B' },
    });
    expect(mails()).toBe(2);
    expect(f.mailTo('pending@org-b.example')).not.toMatch(/register\?token=/);
    const usersOfA = (await f.api('GET', '/api/admin/users', undefined, a.session.accessToken)).body as {
      email: string;
    }[];
    expect(usersOfA.map((u) => u.email)).not.toContain('pending@org-b.example');
  });

  it('answers an invitation the same whether the address has an account elsewhere or none', async () => {
    const a = await organisationAdmin('admin2@org-c.example', 'admin.orgc', 'Org C');
    await register('registered@elsewhere.example', 'registered.else');
    const known = await f.api(
      'POST',
      '/api/admin/invitations',
      { email: 'registered@elsewhere.example' },
      a.session.accessToken,
    );
    const fresh = await f.api(
      'POST',
      '/api/admin/invitations',
      { email: 'nobody@nowhere.example' },
      a.session.accessToken,
    );
    expect(known).toEqual(fresh);
  });

  it('answers sign-up before any work on the address, so its time says nothing about accounts', async () => {
    // A mail server that does not answer: a sign-up that waited for its work would not return.
    let answerMail = () => {};
    const stuck = new Promise<void>((resolve) => (answerMail = resolve));
    const original = f.server.accounts.sendInvitation.bind(f.server.accounts);
    f.server.accounts.sendInvitation = () => stuck;
    try {
      await register('taken@signup.example', 'taken.signup');
      const answers = await Promise.all(
        ['taken@signup.example', 'free@signup.example'].map((email) =>
          f.api('POST', '/api/registration/signup', { email, language: 'en' }),
        ),
      );
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]!.status).toBe(202);
    } finally {
      answerMail();
      f.server.accounts.sendInvitation = original;
    }
  });

  it('lets a registration link try only a few usernames (a taken one is answered)', async () => {
    await register('first@names.example', 'first.name');
    const invited = await f.server.accounts.invite({ email: 'prober@names.example', role: 'member', language: 'en' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1)
      statuses.push(
        (
          await f.apiFrom(freshAddress(), 'POST', `/api/registration/${invited!.token}`, {
            username: 'first.name',
            password: GOOD,
          })
        ).status,
      );
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(409));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});

describe('bad input is a 4xx, never a 500', () => {
  let session: Session;
  let admin: Session;
  let memberId: string;
  beforeAll(async () => {
    const org = await organisationAdmin('admin@bodies.example', 'admin.bodies', 'Bodies');
    admin = org.session;
    session = await register('member@bodies.example', 'member.bodies', org.organisationId);
    const users = (await f.api('GET', '/api/admin/users', undefined, admin.accessToken)).body as {
      id: string;
      email: string;
    }[];
    memberId = users.find((u) => u.email === 'member@bodies.example')!.id;
  });

  const raw = async (method: string, path: string, body: string | undefined, token?: string) => {
    const response = await fetch(`${f.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    return response.status;
  };

  it('answers empty PATCH bodies ({}, none, null) without changing anything', async () => {
    const routes = [
      ['/api/account/profile', session.accessToken],
      ['/api/account/settings', session.accessToken],
      [`/api/admin/users/${memberId}`, admin.accessToken],
    ] as const;
    for (const [path, token] of routes) {
      const before = (await f.api('GET', path.startsWith('/api/admin') ? '/api/admin/users' : path, undefined, token))
        .body;
      for (const body of ['{}', '', 'null']) {
        const status = await raw('PATCH', path, body, token);
        expect(status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        expect([200, 400]).toContain(status);
      }
      const after = (await f.api('GET', path.startsWith('/api/admin') ? '/api/admin/users' : path, undefined, token))
        .body;
      expect(after).toEqual(before);
    }
  });

  it('refuses deeply nested bodies with a 400, the access code among them', async () => {
    const deep = '['.repeat(150_000) + ']'.repeat(150_000);
    expect(await raw('POST', '/api/guest/redeem', `{"code":${deep}}`)).toBe(400);
    expect(await raw('POST', '/api/auth/sign-in', `{"username":${deep},"password":"x"}`)).toBe(400);
    expect(await raw('PATCH', '/api/account/profile', `{"city":${deep}}`, session.accessToken)).toBe(400);
    expect((await f.api('GET', '/api/health')).status).toBe(200);
  });

  it('takes a POST without data even when the client says it is JSON', async () => {
    const fresh = await register('nobody.body@bodies.example', 'no.body');
    expect(await raw('POST', '/api/calls/ticket', '', fresh.accessToken)).toBe(200);
    expect(await raw('POST', '/api/calls/ticket', undefined, fresh.accessToken)).toBe(200);
  });

  it('answers two registrations of one username at once with one account and one 409', async () => {
    const [x, y] = await Promise.all(
      ['one@race.example', 'two@race.example'].map((email) =>
        f.server.accounts.invite({ email, role: 'member', language: 'en' }),
      ),
    );
    const answers = await Promise.all(
      [x!, y!].map((invited) =>
        f.apiFrom(freshAddress(), 'POST', `/api/registration/${invited.token}`, {
          username: 'same.name',
          password: GOOD,
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('username_taken');
  });

  it('answers a deeply nested or unknown socket event with an error, and goes on working', async () => {
    const ticket = (await f.api('POST', '/api/calls/ticket', undefined, session.accessToken)).body.ticket as string;
    // socket.io's own client cannot even encode a 60,000-deep payload: speak its wire protocol directly.
    const raw = new WebSocket(`${f.base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    raw.addEventListener('message', (event) => frames.push(String(event.data)));
    const frame = (prefix: string) => expect.poll(() => frames.find((m) => m.startsWith(prefix)), { timeout: 10_000 });
    await frame('0{').toBeDefined(); // engine.io open
    raw.send(`40${JSON.stringify({ ticket })}`); // socket.io connect with auth
    await frame('40{').toBeDefined();
    const deep = `${'['.repeat(60_000)}${']'.repeat(60_000)}`; // 120 kB: within the socket's message limit
    raw.send(`421["signal",{"callId":"00000000-0000-4000-8000-000000000000","to":"x","data":${deep}}]`);
    await frame('431').toBe('431[{"error":{"code":"payload_too_large"}}]');
    raw.close();

    const socket: Socket = connect(f.base, {
      auth: {
        ticket: (await f.api('POST', '/api/calls/ticket', undefined, session.accessToken)).body.ticket as string,
      },
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      for (const name of ['no-such-event', 'constructor', 'toString', '__proto__']) {
        expect(await socket.timeout(5_000).emitWithAck(name, {}), name).toEqual({ error: { code: 'unknown_event' } });
      }
      expect(await socket.timeout(5_000).emitWithAck('presence:set', { status: 'busy' })).toEqual({ status: 'busy' });
    } finally {
      socket.disconnect();
    }
  });
});

describe('sign-in limits', () => {
  it('slows an account down after five failures, whichever address the guesses come from', async () => {
    await register('victim@limits.example', 'victim.user');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        f.apiFrom(ADDRESSES[i % 4]!, 'POST', '/api/auth/sign-in', {
          username: 'victim.user',
          password: `Wrong-guess-${i}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15);
    // The right password from a fresh address waits too, until the delay has passed.
    const early = await f.apiFrom('127.0.0.9', 'POST', '/api/auth/sign-in', {
      username: 'victim.user',
      password: GOOD,
    });
    expect(early).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    const wait = Number(early.body.error.issues[0].code);
    expect(wait).toBeGreaterThan(0);
    f.clock.now += wait * 1000;
    expect(
      (await f.apiFrom('127.0.0.9', 'POST', '/api/auth/sign-in', { username: 'victim.user', password: GOOD })).status,
    ).toBe(200);
    // A correct password ended the delay: the next typo costs nothing.
    expect(
      (await f.api('POST', '/api/auth/sign-in', { username: 'victim.user', password: 'Typo-Password-1' })).status,
    ).toBe(401);
  });

  it('stops one address spraying many usernames', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i += 1)
      statuses.push(
        (
          await f.apiFrom('127.0.0.20', 'POST', '/api/auth/sign-in', {
            username: `spray.${i}`,
            password: 'Guess-1234!',
          })
        ).status,
      );
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(5).fill(429));
    // Another address is not affected.
    expect(
      (await f.apiFrom('127.0.0.21', 'POST', '/api/auth/sign-in', { username: 'spray.x', password: 'x' })).status,
    ).toBe(401);
  });
});

describe('usernames', () => {
  it('refuses look-alikes of an existing username and signs in case-insensitively', async () => {
    await register('andy@names.example', 'andy_a');
    const attempt = async (username: string, email: string) => {
      const invited = await f.server.accounts.invite({ email, role: 'member', language: 'en' });
      return (
        await f.apiFrom(freshAddress(), 'POST', `/api/registration/${invited!.token}`, { username, password: GOOD })
      ).body.error?.code as string | undefined;
    };
    expect(await attempt('Andy_A', 'andy2@names.example')).toBe('username_taken');
    expect(await attempt('ａｎｄｙ_ａ', 'andy3@names.example')).toBe('username_taken'); // full-width forms
    expect(await attempt('\u0430ndy_a', 'andy4@names.example')).toBe('bad_request'); // Cyrillic а
    expect(await attempt('andy_a\u200b', 'andy5@names.example')).toBe('bad_request'); // zero-width space
    expect(await attempt('anndy_a', 'andy6@names.example')).toBeUndefined(); // a different name is fine
    expect((await f.api('POST', '/api/auth/sign-in', { username: 'ANDY_A', password: GOOD })).status).toBe(200);
  });
});

describe('secrets at rest and in transit', () => {
  it('stores access codes under a keyed hash that a stolen database alone cannot reverse', async () => {
    const host = await register('codes@clinic.example', 'codes.host');
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'x' }, host.accessToken)).body as {
      id: string;
      code: string;
    };
    const row = await f.db
      .selectFrom('call_invitations')
      .select('code_hash')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    const sha = createHash('sha256').update(created.code).digest('hex');
    expect(row.code_hash).not.toBe(sha);
    const secretFile = join(f.dataDir, SECRET_FILE);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(secretFile, 'utf8').trim();
    expect(row.code_hash).toBe(createHmac('sha256', key).update(`guest-code:${created.code}`).digest('hex'));
    expect((await f.api('POST', '/api/guest/redeem', { code: created.code })).status).toBe(200);
  });

  it('keeps the data folder and the database to the server user', async () => {
    expect(statSync(f.dataDir).mode & 0o777).toBe(0o700);
    if (f.dialect === 'sqlite') {
      expect(statSync(join(f.dataDir, SERVER_DB_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(join(f.dataDir, `${SERVER_DB_FILE}-wal`)).mode & 0o777).toBe(0o600);
    }
  });

  it('forbids caching of answers that carry tokens, and socket.io polling answers carry the security headers', async () => {
    await register('cache@clinic.example', 'cache.user');
    const signIn = await fetch(`${f.base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'cache.user', password: GOOD }),
    });
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    const tokens = (await signIn.json()) as Session;
    const refresh = await fetch(`${f.base}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: tokens.refreshToken }),
    });
    expect(refresh.headers.get('cache-control')).toBe('no-store');
    const { accessToken } = (await refresh.json()) as Session;
    const ticket = await fetch(`${f.base}/api/calls/ticket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(ticket.headers.get('cache-control')).toBe('no-store');
    const polling = await fetch(`${f.base}/socket.io/?EIO=4&transport=polling`);
    expect(polling.headers.get('x-content-type-options')).toBe('nosniff');
    expect(polling.headers.get('x-frame-options')).toBe('DENY');
    expect(polling.headers.get('cache-control')).toBe('no-store');
  });
});
