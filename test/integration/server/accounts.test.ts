/**
 * Accounts against the real server on loopback and a real SMTP server (smtp-server): registration from the
 * e-mailed link, expired and reused links, the password policy, the PIN, sign-in, refresh rotation and
 * reuse detection, rate limits, and logs without secrets.
 */
import argon2 from 'argon2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usernameKey } from '../../../server/accounts/usernames';
import { SMS_FILE } from '../../../server/sms/gateway';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let fixture: ServerFixture;
let dataDir: string;
let clock: { now: number };
let inbox: ServerFixture['inbox'];
let logs: string[];
let server: ServerFixture['server'];

beforeAll(async () => {
  fixture = await startServerFixture();
  ({ dataDir, clock, inbox, logs, server } = fixture);
});
afterAll(() => fixture?.close());

const api = (...args: Parameters<ServerFixture['api']>) => fixture.api(...args);
const linkFor = (to: string, seenBefore = 0) => fixture.linkFor(to, seenBefore);
const smsCodes = (to: string) => fixture.smsCodes(to);

const GOOD = 'Correct-Horse-7-Battery';
let admin: { accessToken: string; refreshToken: string };

/** The wizard's remaining steps for a fresh account: PIN shown and confirmed, two-factor later, invisible. */
async function finishWizard(accessToken: string): Promise<string> {
  const { body } = await api('POST', '/api/account/registration/pin', undefined, accessToken);
  expect((await api('POST', '/api/account/registration/pin/confirm', undefined, accessToken)).status).toBe(200);
  expect((await api('POST', '/api/account/registration/finish', undefined, accessToken)).body.registered).toBe(true);
  return body.pin as string;
}

describe('registration', () => {
  it('the service admin registers from the link create-admin printed, and gets a PIN once', async () => {
    const { token } = (await server.accounts.invite({
      email: 'admin@praxis.example',
      role: 'service_admin',
      language: 'en',
    }))!;
    expect(await api('GET', `/api/registration/${token}`)).toMatchObject({
      status: 200,
      body: {
        email: 'admin@praxis.example',
        organisationName: null,
        steps: ['pin', 'twoFactor', 'visibility'],
        passwordPolicy: { minLength: 12 },
      },
    });
    const done = await api('POST', `/api/registration/${token}`, { username: 'support', password: GOOD });
    expect(done.status).toBe(200);
    admin = done.body as typeof admin;
    const me = await api('GET', '/api/account/me', undefined, admin.accessToken);
    expect(me.body).toMatchObject({
      username: 'support',
      role: 'service_admin',
      registered: false,
      pendingSteps: ['pin', 'twoFactor', 'visibility'],
    });
    // Until the wizard is finished, only its own routes answer.
    expect((await api('GET', '/api/admin/users', undefined, admin.accessToken)).body.error.code).toBe(
      'registration_incomplete',
    );
    expect((await api('POST', '/api/account/registration/finish', undefined, admin.accessToken)).body.error.code).toBe(
      'pin_missing',
    );
    const drawn = await api('POST', '/api/account/registration/pin', undefined, admin.accessToken);
    expect(drawn.body.pin).toMatch(/^\d{8}$/);
    // Drawn again before it was confirmed (the wizard was reloaded): only the newest PIN is valid.
    const done2 = { body: (await api('POST', '/api/account/registration/pin', undefined, admin.accessToken)).body };
    expect(done2.body.pin).toMatch(/^\d{8}$/);
    expect((await api('POST', '/api/account/registration/pin/confirm', undefined, admin.accessToken)).status).toBe(200);
    expect((await api('POST', '/api/account/registration/pin', undefined, admin.accessToken)).body.error.code).toBe(
      'pin_confirmed',
    );
    const finished = await api('POST', '/api/account/registration/finish', undefined, admin.accessToken);
    expect(finished.body).toMatchObject({ registered: true, pendingSteps: [] });
    Object.assign(done.body, { pin: done2.body.pin });
    if (drawn.body.pin !== done2.body.pin) {
      expect(
        (await api('POST', '/api/admin/pin-check', { username: 'support', pin: drawn.body.pin }, admin.accessToken))
          .body,
      ).toEqual({ valid: false });
    }
    const row = (await fixture.db
      .selectFrom('accounts')
      .select(['password_hash', 'pin_hash'])
      .where('username', '=', 'support')
      .executeTakeFirstOrThrow()) as { password_hash: string; pin_hash: string };
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.pin_hash).toMatch(/^\$argon2id\$/);
    expect(row.pin_hash).not.toContain(done.body.pin);
    expect(
      await api('POST', '/api/admin/pin-check', { username: 'support', pin: done.body.pin }, admin.accessToken),
    ).toEqual({ status: 200, body: { valid: true } });
    const wrong = String((Number(done.body.pin) + 1) % 100_000_000).padStart(8, '0');
    expect(await api('POST', '/api/admin/pin-check', { username: 'support', pin: wrong }, admin.accessToken)).toEqual({
      status: 200,
      body: { valid: false },
    });
  });

  it('an invited member gets the link by e-mail, in their language, and must meet the password policy', async () => {
    expect(
      (
        await api(
          'POST',
          '/api/admin/invitations',
          { email: 'Anna@Praxis.example', language: 'de', name: 'Anna Berg' },
          admin.accessToken,
        )
      ).status,
    ).toBe(202);
    const mail = inbox.find((m) => m.to === 'anna@praxis.example')!;
    expect(mail.raw).toContain('Subject: Ihr ClinicDesk-Konto');
    const token = await linkFor('anna@praxis.example');

    const weak = await api('POST', `/api/registration/${token}`, { username: 'anna', password: 'annaberg' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('password_policy');
    expect(weak.body.error.issues.map((i: { code: string }) => i.code).sort()).toEqual(
      ['password_digit', 'password_length', 'password_not_personal', 'password_symbol', 'password_upper'].sort(),
    );
    expect(
      (await api('POST', `/api/registration/${token}`, { username: 'support', password: GOOD })).body.error.code,
    ).toBe('username_taken');
    expect(
      (await api('POST', `/api/registration/${token}`, { username: 'a', password: GOOD })).body.error.issues,
    ).toEqual([{ path: 'username', code: 'username_invalid' }]);

    const ok = await api('POST', `/api/registration/${token}`, { username: 'anna.berg', password: GOOD });
    expect(ok.status).toBe(200);
    await finishWizard(ok.body.accessToken);
    const reused = await api('POST', `/api/registration/${token}`, { username: 'anna.b', password: GOOD });
    expect(reused).toMatchObject({ status: 410, body: { error: { code: 'link_used' } } });
    expect((await api('GET', `/api/registration/${token}`)).body.error.code).toBe('link_used');
  });

  it('refuses an expired link, and a new link replaces the old one', async () => {
    await api('POST', '/api/admin/invitations', { email: 'jonas@praxis.example', language: 'en' }, admin.accessToken);
    const first = await linkFor('jonas@praxis.example');
    clock.now += 15 * 86_400_000;
    expect(await api('GET', `/api/registration/${first}`)).toMatchObject({
      status: 410,
      body: { error: { code: 'link_expired' } },
    });
    // Fifteen days on, the admin's access token has expired too: the desktop refreshes it.
    expect(
      (await api('POST', '/api/admin/invitations', { email: 'jonas@praxis.example' }, admin.accessToken)).status,
    ).toBe(401);
    admin = (await api('POST', '/api/auth/refresh', { refreshToken: admin.refreshToken })).body as typeof admin;
    expect(
      (
        await api(
          'POST',
          '/api/admin/invitations',
          { email: 'jonas@praxis.example', language: 'en' },
          admin.accessToken,
        )
      ).status,
    ).toBe(202);
    const second = await linkFor('jonas@praxis.example', 1);
    expect(second).not.toBe(first);
    expect((await api('GET', `/api/registration/${first}`)).body.error.code).toBe('link_used');
    expect(await api('GET', `/api/registration/${second}`)).toMatchObject({
      status: 200,
      body: { email: 'jonas@praxis.example' },
    });
    expect((await api('GET', `/api/registration/${'x'.repeat(43)}`)).body.error.code).toBe('link_invalid');
  });

  it('self sign-up answers the same whether or not the address has an account', async () => {
    const known = await api('POST', '/api/registration/signup', { email: 'anna@praxis.example', language: 'de' });
    const fresh = await api('POST', '/api/registration/signup', { email: 'new@praxis.example', language: 'sv' });
    expect(known).toEqual(fresh);
    expect(fresh.status).toBe(202);
    await linkFor('new@praxis.example');
    expect(inbox.filter((m) => m.to === 'anna@praxis.example')).toHaveLength(1); // no second mail to an active account
  });
});

describe('two-factor by SMS', () => {
  let anna: { accessToken: string; refreshToken: string };
  const phone = '+491712345678';

  it('switches on with a code to a mobile number: 60-second resend rule, five attempts', async () => {
    await api('POST', '/api/admin/invitations', { email: 'lena@praxis.example', language: 'de' }, admin.accessToken);
    const link = await linkFor('lena@praxis.example');
    anna = (await api('POST', `/api/registration/${link}`, { username: 'lena', password: GOOD })).body as typeof anna;
    await finishWizard(anna.accessToken);
    const landline = await api(
      'POST',
      '/api/account/two-factor/start',
      { phone: '030 1234567', country: 'DE' },
      anna.accessToken,
    );
    expect(landline).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'phone', code: 'phone_not_mobile' }] } },
    });
    expect(
      (await api('POST', '/api/account/two-factor/start', { phone: '0171 2345678', country: 'DE' }, anna.accessToken))
        .status,
    ).toBe(202);
    const [first] = smsCodes(phone);
    expect(readFileSync(join(dataDir, SMS_FILE), 'utf8')).toContain(`Ihr ClinicDesk-Code: ${first}`);
    const tooSoon = await api(
      'POST',
      '/api/account/two-factor/start',
      { phone: '0171 2345678', country: 'DE' },
      anna.accessToken,
    );
    expect(tooSoon).toMatchObject({ status: 429, body: { error: { code: 'code_too_soon' } } });

    const wrong = first === '00000000' ? '11111111' : '00000000';
    for (let i = 0; i < 5; i += 1) {
      expect(
        (await api('POST', '/api/account/two-factor/confirm', { code: wrong }, anna.accessToken)).body.error.code,
      ).toBe('code_invalid');
    }
    expect(await api('POST', '/api/account/two-factor/confirm', { code: first }, anna.accessToken)).toMatchObject({
      status: 429,
      body: { error: { code: 'code_locked' } },
    });

    clock.now += 61_000;
    expect(
      (await api('POST', '/api/account/two-factor/start', { phone: '0171 2345678', country: 'DE' }, anna.accessToken))
        .status,
    ).toBe(202);
    const second = smsCodes(phone).at(-1)!;
    expect(await api('POST', '/api/account/two-factor/confirm', { code: second }, anna.accessToken)).toEqual({
      status: 200,
      body: { twoFactor: true },
    });
    expect((await api('GET', '/api/account/me', undefined, anna.accessToken)).body).toMatchObject({
      twoFactor: true,
      phone,
    });
  });

  it('signs in with password, then the SMS code; codes expire; resend follows the 60-second rule', async () => {
    clock.now += 61_000;
    const step = await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD });
    expect(step.body).toEqual({ twoFactor: true, challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const code = smsCodes(phone).at(-1)!;
    expect(await api('POST', '/api/auth/two-factor/resend', { challenge: step.body.challenge })).toMatchObject({
      status: 429,
      body: { error: { code: 'code_too_soon' } },
    });
    expect(
      (
        await api('POST', '/api/auth/two-factor', {
          challenge: step.body.challenge,
          code: code === '00000000' ? '11111111' : '00000000',
        })
      ).status,
    ).toBe(400);
    const tokens = await api('POST', '/api/auth/two-factor', { challenge: step.body.challenge, code });
    expect(tokens.status).toBe(200);
    expect((await api('GET', '/api/account/me', undefined, tokens.body.accessToken)).status).toBe(200);
    expect((await api('POST', '/api/auth/two-factor', { challenge: step.body.challenge, code })).body.error.code).toBe(
      'code_invalid',
    ); // used

    clock.now += 61_000;
    const late = await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD });
    clock.now += 11 * 60_000;
    expect(
      (await api('POST', '/api/auth/two-factor', { challenge: late.body.challenge, code: smsCodes(phone).at(-1)! }))
        .body.error.code,
    ).toBe('code_expired');

    const again = await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD });
    clock.now += 61_000;
    const resent = await api('POST', '/api/auth/two-factor/resend', { challenge: again.body.challenge });
    expect(resent.status).toBe(200);
    expect(
      (await api('POST', '/api/auth/two-factor', { challenge: resent.body.challenge, code: smsCodes(phone).at(-1)! }))
        .status,
    ).toBe(200);
    anna = (
      await api('POST', '/api/auth/two-factor', { challenge: resent.body.challenge, code: smsCodes(phone).at(-1)! })
    ).body as typeof anna;
  });

  it('changes the number while two-factor stays on: password asked, code to the new number, codes go there after', async () => {
    const other = '+491719876543';
    clock.now += 61_000;
    const fresh = await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD });
    anna = (
      await api('POST', '/api/auth/two-factor', { challenge: fresh.body.challenge, code: smsCodes(phone).at(-1)! })
    ).body as typeof anna;
    clock.now += 61_000;
    // From an address of its own: the route's per-address limit (5 a minute) is not what this test is about.
    const start = (body: object) =>
      fixture.apiFrom('127.0.0.9', 'POST', '/api/account/two-factor/start', body, anna.accessToken);
    // A stolen session alone cannot move the second factor.
    expect(await start({ phone: '0171 9876543', country: 'DE' })).toMatchObject({
      status: 401,
      body: { error: { code: 'credentials_invalid', issues: [{ path: 'password' }] } },
    });
    expect((await start({ phone: '0171 9876543', country: 'DE', password: 'Wrong-Password-1' })).status).toBe(401);
    expect(smsCodes(other)).toEqual([]);
    expect((await start({ phone: '0171 9876543', country: 'DE', password: GOOD })).status).toBe(202);
    // Until confirmed, the old number stays the second factor.
    expect((await api('GET', '/api/account/me', undefined, anna.accessToken)).body).toMatchObject({
      phone,
      twoFactor: true,
    });
    const code = smsCodes(other).at(-1)!;
    expect(await api('POST', '/api/account/two-factor/confirm', { code }, anna.accessToken)).toMatchObject({
      status: 200,
    });
    expect((await api('GET', '/api/account/me', undefined, anna.accessToken)).body).toMatchObject({
      phone: other,
      twoFactor: true,
    });
    clock.now += 61_000;
    const before = smsCodes(phone).length;
    const step = await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD });
    expect(step.body).toMatchObject({ twoFactor: true });
    expect(smsCodes(phone)).toHaveLength(before);
    const signedIn = await api('POST', '/api/auth/two-factor', {
      challenge: step.body.challenge,
      code: smsCodes(other).at(-1)!,
    });
    expect(signedIn.status).toBe(200);

    // And back, for the tests that follow.
    clock.now += 61_000;
    anna = signedIn.body as typeof anna;
    expect((await start({ phone: '0171 2345678', country: 'DE', password: GOOD })).status).toBe(202);
    await api('POST', '/api/account/two-factor/confirm', { code: smsCodes(phone).at(-1)! }, anna.accessToken);
    expect((await api('GET', '/api/account/me', undefined, anna.accessToken)).body).toMatchObject({ phone });
  });

  it('switches off only with the password, and sign-in is one step again', async () => {
    clock.now += 61_000;
    const step = await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD });
    const session = (
      await api('POST', '/api/auth/two-factor', { challenge: step.body.challenge, code: smsCodes(phone).at(-1)! })
    ).body;
    expect(
      (await api('POST', '/api/account/two-factor/disable', { password: 'Wrong-Password-1' }, session.accessToken))
        .status,
    ).toBe(401);
    expect(await api('POST', '/api/account/two-factor/disable', { password: GOOD }, session.accessToken)).toEqual({
      status: 200,
      body: { twoFactor: false },
    });
    expect(
      (await api('POST', '/api/auth/sign-in', { username: 'lena', password: GOOD })).body.accessToken,
    ).toBeTruthy();
  });
});

describe('sessions', () => {
  it('signs in, rotates refresh tokens, and revokes the family when an old one is reused', async () => {
    expect(
      await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: 'wrong-Password-1' }),
    ).toMatchObject({ status: 401, body: { error: { code: 'credentials_invalid' } } });
    expect(await api('POST', '/api/auth/sign-in', { username: 'nobody', password: GOOD })).toMatchObject({
      status: 401,
      body: { error: { code: 'credentials_invalid' } },
    });
    const first = (await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD })).body;
    expect(first.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const second = (await api('POST', '/api/auth/refresh', { refreshToken: first.refreshToken })).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await api('GET', '/api/account/me', undefined, first.accessToken)).status).toBe(401); // the old access token ends with its rotation
    expect((await api('GET', '/api/account/me', undefined, second.accessToken)).status).toBe(200);

    expect(await api('POST', '/api/auth/refresh', { refreshToken: first.refreshToken })).toMatchObject({
      status: 401,
      body: { error: { code: 'refresh_reused' } },
    });
    expect((await api('GET', '/api/account/me', undefined, second.accessToken)).status).toBe(401);
    expect((await api('POST', '/api/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);

    const third = (await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD })).body;
    expect((await api('POST', '/api/auth/sign-out', { refreshToken: third.refreshToken })).status).toBe(204);
    expect((await api('GET', '/api/account/me', undefined, third.accessToken)).status).toBe(401);
  });

  it('replaces a hash made with other parameters at the next correct sign-in, once, even when two race', async () => {
    const stored = async () =>
      (
        await fixture.db
          .selectFrom('accounts')
          .select('password_hash')
          .where('username_key', '=', usernameKey('anna.berg'))
          .executeTakeFirstOrThrow()
      ).password_hash!;
    // The PHC string format: $variant$v=version$params$salt$hash, the parameters in any order.
    const parameters = (phc: string) => {
      const [, variant, version, params] = phc.split('$');
      return { variant, ...Object.fromEntries([version!, ...params!.split(',')].map((kv) => kv.split('='))) };
    };
    // Made as the server hashes today: the configuration's memory, three passes, one lane.
    expect(parameters(await stored())).toEqual({ variant: 'argon2id', v: '19', m: '8192', t: '3', p: '1' });
    // An account hashed with other parameters (one pass, as a changed configuration would leave it).
    const old = await argon2.hash(GOOD, { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await fixture.db
      .updateTable('accounts')
      .set({ password_hash: old })
      .where('username_key', '=', usernameKey('anna.berg'))
      .execute();

    expect(
      (await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: 'Wrong-Horse-7-Battery' })).status,
    ).toBe(401);
    expect(await stored()).toBe(old); // a wrong password renews nothing

    const both = await Promise.all([
      fixture.apiFrom('127.0.0.2', 'POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD }),
      fixture.apiFrom('127.0.0.3', 'POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD }),
    ]);
    expect(both.map((answer) => answer.status)).toEqual([200, 200]);
    const renewed = await stored();
    expect(parameters(renewed)).toEqual({ variant: 'argon2id', v: '19', m: '8192', t: '3', p: '1' });
    expect(await argon2.verify(renewed, GOOD)).toBe(true);
    expect((await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD })).status).toBe(200);
    expect(await stored()).toBe(renewed); // up to date: not hashed again
  });

  it('keeps members out of admin routes', async () => {
    const anna = (await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD })).body;
    expect((await api('POST', '/api/admin/invitations', { email: 'x@praxis.example' }, anna.accessToken)).status).toBe(
      403,
    );
    expect(
      (await api('POST', '/api/admin/pin-check', { username: 'support', pin: '12345678' }, anna.accessToken)).status,
    ).toBe(403);
    expect((await api('POST', '/api/admin/invitations', { email: 'x@praxis.example' })).status).toBe(401);
  });

  it('answers bad bodies with 400 and field issues, never 500', async () => {
    for (const [path, body] of [
      ['/api/auth/sign-in', { username: 'x' }],
      ['/api/auth/sign-in', { username: 'x', password: 'y', extra: 1 }],
      ['/api/auth/refresh', { refreshToken: 'short' }],
      ['/api/registration/signup', { email: 'not-an-address' }],
    ] as const) {
      const result = await api('POST', path, body);
      expect(result.status, path).toBe(400);
      expect(result.body.error.code, path).toBe('bad_request');
    }
    const raw = await fetch(`${fixture.base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(raw.status).toBe(400);
  });

  it('rate-limits password attempts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1)
      statuses.push((await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: `guess-${i}` })).status);
    expect(statuses).toContain(429);
    expect((await api('POST', '/api/auth/sign-in', { username: 'anna.berg', password: GOOD })).body.error.code).toBe(
      'rate_limited',
    );
  });

  it('writes no password, PIN, token or registration link to the log', () => {
    const text = logs.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(GOOD);
    expect(text).not.toContain(admin.refreshToken);
    expect(text).not.toContain(admin.accessToken);
    const leaks = text.split('\n').filter((line) => /\/api\/registration\/[A-Za-z0-9_-]{43}/.test(line));
    expect(leaks).toEqual([]);
    expect(text).toContain('/api/registration/[redacted]');
  });
});
