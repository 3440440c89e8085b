/**
 * The desktop's server session (main thread) against the real server on loopback: tokens kept only
 * encrypted, concurrent commands after the access token expired refresh once (a rotated refresh token used
 * twice would end the session), a session revoked on the server signs the app out, errors keep the
 * server's codes, and an unreachable server is one clear error.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../../src-preload/contract';
import { AccountSession } from '../../../src-main/core/account/accountSession';
import { linkFromArgv, tokenFromLink } from '../../../src-main/core/account/registrationLink';
import { secretTokenStore, type TokenStore } from '../../../src-main/core/account/tokenStore';
import { SecretStore } from '../../../src-main/core/secrets/secretStore';
import { AppError } from '../../../src-main/core/errors';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

const PASSWORD = 'Quiet-Harbour-31';

function session(tokens: TokenStore, events: EventName[] = [], serverUrl = () => f.base) {
  return new AccountSession({
    serverUrl,
    language: () => 'en',
    tokens,
    emit: (event) => events.push(event),
    saveFile: async () => true,
    notify: () => {},
    now: () => f.clock.now,
  });
}

const memoryTokens = (): TokenStore & { value: string | null } => {
  const store = {
    value: null as string | null,
    get: () => store.value,
    set: (token: string) => {
      store.value = token;
      return true;
    },
    clear: () => {
      store.value = null;
    },
  };
  return store;
};

async function registered(username: string, email: string) {
  const { token } = (await f.server.accounts.invite({ email, role: 'member', language: 'en' }))!;
  const tokens = memoryTokens();
  const events: EventName[] = [];
  const s = session(tokens, events);
  const h = s.handlers();
  await h.account.register({ token, username, password: PASSWORD });
  await h.account.createPin(undefined);
  await h.account.confirmPin(undefined);
  await h.account.finishRegistration(undefined);
  return { s, h, tokens, events };
}

const codeOf = async (promise: unknown) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
};

describe('registration links', () => {
  const token = 'a'.repeat(43);
  it('reads the token from the app link, the web link or the bare token, and nothing else', () => {
    expect(tokenFromLink(`clinicdesk://register?token=${token}`)).toBe(token);
    expect(tokenFromLink(`https://clinic.example/register/${token}`)).toBe(token);
    expect(tokenFromLink(`  ${token} `)).toBe(token);
    expect(tokenFromLink(`clinicdesk://other?token=${token}`)).toBeNull();
    expect(tokenFromLink(`https://clinic.example/join/${token}`)).toBeNull();
    expect(tokenFromLink('javascript:alert(1)')).toBeNull();
    expect(tokenFromLink(`clinicdesk://register?token=${token}x"`)).toBeNull();
    expect(linkFromArgv(['/opt/ClinicDesk/clinicdesk', '--flag', `clinicdesk://register?token=${token}`])).toBe(
      `clinicdesk://register?token=${token}`,
    );
    expect(linkFromArgv(['/opt/ClinicDesk/clinicdesk'])).toBeNull();
  });
});

describe('the desktop session', () => {
  it('keeps the refresh token only through the encrypted store, and nothing where the OS has none', async () => {
    const plain = new SecretStore(join(mkdtempSync(join(tmpdir(), 'cd-secrets-')), 'secrets.json'), {
      isEncryptionAvailable: () => true,
      storageBackend: () => 'basic_text',
      encryptString: (s) => Buffer.from(s),
      decryptString: (b) => b.toString(),
    });
    const { token } = (await f.server.accounts.invite({
      email: 'kim@praxis.example',
      role: 'member',
      language: 'en',
    }))!;
    const s = session(secretTokenStore(plain));
    const state = await s.handlers().account.register({ token, username: 'kim', password: PASSWORD });
    expect(state).toMatchObject({ signedIn: true, remembered: false, profile: { registered: false } });
    expect(plain.get('server.refreshToken')).toBeNull();
  });

  it('refreshes once for concurrent commands after the access token expired', async () => {
    const { h, tokens, events } = await registered('ole', 'ole@praxis.example');
    const before = tokens.value;
    const eventsBefore = events.length;
    f.clock.now += 16 * 60_000; // past the 15-minute access token
    const answers = await Promise.all([
      h.contacts.list(undefined),
      h.account.settings(undefined),
      h.account.profile(undefined),
    ]);
    expect(answers[1]).toMatchObject({ language: 'en' });
    expect(tokens.value).not.toBe(before);
    // One rotation: the registration's session and exactly one successor, none revoked.
    const rows = await f.db
      .selectFrom('sessions as s')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .select(['s.rotated_at', 's.revoked_at'])
      .where('a.username', '=', 'ole')
      .orderBy('s.created_at')
      .execute();
    expect(rows.map((r) => [r.rotated_at !== null, r.revoked_at])).toEqual([
      [true, null],
      [false, null],
    ]);
    expect(events.length).toBe(eventsBefore); // no sign-out on the way
    expect((await h.account.state(undefined)).signedIn).toBe(true);
  });

  it('signs the app out when the server ended the session, and passes the server codes on', async () => {
    const { h, events } = await registered('pia', 'pia@praxis.example');
    expect(await codeOf(h.account.upgrade({ name: '' }))).toBe('validation');
    expect(await codeOf(h.contacts.add({ id: '00000000-0000-4000-8000-000000000000' }))).toBe('not_found');
    expect(await codeOf(h.account.signIn({ username: 'pia', password: 'Wrong-Pass-1234' }))).toBe(
      'credentials_invalid',
    );
    const me = await h.account.state(undefined);
    await f.server.accounts.revokeSessions(me.profile!.id);
    events.length = 0;
    f.clock.now += 16 * 60_000;
    expect(await codeOf(h.contacts.list(undefined))).toBe('signed_out');
    expect(events).toContain('account.changed');
    expect((await h.account.state(undefined)).signedIn).toBe(false);
  });

  it('names an unreachable server as such', async () => {
    const s = session(memoryTokens(), [], () => 'http://127.0.0.1:9');
    expect(await codeOf(s.handlers().account.signIn({ username: 'x', password: 'y' }))).toBe('server_unreachable');
  });
});
