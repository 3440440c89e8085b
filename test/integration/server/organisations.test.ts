/**
 * Organisations, profiles, contracts and contacts against the real server on loopback with a real SMTP
 * server: upgrade to an organisation, registration with the organisation's ID, licence switching, admin
 * statistics and logs, profile and settings edits, password change, account deletion,
 * contact search visibility, and a walk of every route as organisation A against organisation B.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../scripts/projectRoot';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  // The built renderer serves the guest page (/join), which the route walk visits too.
  f = await startServerFixture({ webDir: join(projectRoot(), 'dist', 'renderer') });
});
afterAll(() => f?.close());

const GOOD = 'Correct-Horse-7-Battery';
const DAY = 86_400_000;
type Session = { accessToken: string; refreshToken: string };
type AdminUser = { id: string; email: string; name: string; state: string; licence: boolean };

/** Self sign-up (optionally with an organisation's ID), the e-mailed link, and the whole wizard. */
async function signUpAndRegister(
  email: string,
  username: string,
  options: { organisationCode?: string; searchable?: boolean } = {},
): Promise<Session> {
  const seen = f.inbox.filter((m) => m.to === email).length;
  const signUp = await f.api('POST', '/api/registration/signup', {
    email,
    language: 'en',
    ...(options.organisationCode ? { organisationCode: options.organisationCode } : {}),
  });
  expect(signUp.status).toBe(202);
  return registerFromMail(email, username, options.searchable ?? false, seen);
}

async function registerFromMail(email: string, username: string, searchable: boolean, seen = 0): Promise<Session> {
  const token = await f.linkFor(email, seen);
  const session = (await f.api('POST', `/api/registration/${token}`, { username, password: GOOD })).body as Session;
  expect(session.accessToken).toBeDefined();
  await f.api('POST', '/api/account/registration/pin', undefined, session.accessToken);
  await f.api('POST', '/api/account/registration/pin/confirm', undefined, session.accessToken);
  expect((await f.api('PATCH', '/api/account/settings', { searchable }, session.accessToken)).status).toBe(200);
  const done = await f.api('POST', '/api/account/registration/finish', undefined, session.accessToken);
  expect(done.body.registered).toBe(true);
  return session;
}

const signIn = async (username: string, password = GOOD) => f.api('POST', '/api/auth/sign-in', { username, password });

let ownerA: Session;
let orgA: { id: string; name: string; code: string };
let staffA: Session;
let staffAId: string;

describe('organisations', () => {
  it('an individual account upgrades to an organisation and gets an ID staff register with', async () => {
    ownerA = await signUpAndRegister('owner@praxis-a.example', 'owner.a');
    expect((await f.api('GET', '/api/billing/subscription', undefined, ownerA.accessToken)).body).toMatchObject({
      status: 'trialing',
      managedBy: null,
    });
    // Members are not admins before the upgrade.
    expect((await f.api('GET', '/api/admin/users', undefined, ownerA.accessToken)).status).toBe(403);
    const upgraded = await f.api('POST', '/api/account/organisation', { name: 'Praxis A' }, ownerA.accessToken);
    expect(upgraded.status).toBe(201);
    orgA = upgraded.body as typeof orgA;
    expect(orgA.code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    expect((await f.api('GET', '/api/account/me', undefined, ownerA.accessToken)).body).toMatchObject({
      role: 'org_admin',
      organisationId: orgA.id,
    });
    expect((await f.api('POST', '/api/account/organisation', { name: 'Again' }, ownerA.accessToken)).status).toBe(409);
    expect((await f.api('GET', '/api/admin/organisation', undefined, ownerA.accessToken)).body).toMatchObject(orgA);
    expect(
      (await f.api('PATCH', '/api/admin/organisation', { name: 'Praxis Alpha' }, ownerA.accessToken)).body.name,
    ).toBe('Praxis Alpha');
  });

  it('staff register with the organisation ID; the licence stays off until an admin switches it on', async () => {
    const unknown = await f.api('POST', '/api/registration/signup', {
      email: 'x@praxis-a.example',
      organisationCode: 'ZZZZ-ZZZZ',
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'organisation_unknown' } } });
    staffA = await signUpAndRegister('lisa@praxis-a.example', 'lisa.a', {
      organisationCode: orgA.code.replace('-', '').toLowerCase(),
    });
    expect((await f.api('GET', '/api/contacts', undefined, staffA.accessToken)).body.error.code).toBe(
      'licence_inactive',
    );
    expect((await signIn('lisa.a')).body.error.code).toBe('licence_inactive');

    const users = (await f.api('GET', '/api/admin/users', undefined, ownerA.accessToken)).body as {
      id: string;
      email: string;
      licence: boolean;
      state: string;
    }[];
    const lisa = users.find((u) => u.email === 'lisa@praxis-a.example')!;
    expect(lisa).toMatchObject({ licence: false, state: 'active' });
    staffAId = lisa.id;
    expect(
      (await f.api('PATCH', `/api/admin/users/${lisa.id}`, { licence: true, name: 'Lisa Arendt' }, ownerA.accessToken))
        .body,
    ).toMatchObject({ licence: true, name: 'Lisa Arendt' });
    staffA = (await signIn('lisa.a')).body as Session;
    expect((await f.api('GET', '/api/contacts', undefined, staffA.accessToken)).status).toBe(200);

    // Switched off again: her sessions end at once and she cannot sign in.
    await f.api('PATCH', `/api/admin/users/${lisa.id}`, { licence: false }, ownerA.accessToken);
    expect((await f.api('GET', '/api/account/me', undefined, staffA.accessToken)).status).toBe(401);
    expect((await f.api('POST', '/api/auth/refresh', { refreshToken: staffA.refreshToken })).status).toBe(401);
    await f.api('PATCH', `/api/admin/users/${lisa.id}`, { licence: true }, ownerA.accessToken);
    staffA = (await signIn('lisa.a')).body as Session;

    // An admin cannot lock themselves out, and members cannot administer.
    const owner = users.find((u) => u.email === 'owner@praxis-a.example')!;
    expect(
      (await f.api('PATCH', `/api/admin/users/${owner.id}`, { licence: false }, ownerA.accessToken)).body.error.code,
    ).toBe('cannot_change_self');
    expect((await f.api('GET', '/api/admin/users', undefined, staffA.accessToken)).status).toBe(403);
  });

  it('admins invite staff, resend an unused link, and edit personal data', async () => {
    const invited = await f.api(
      'POST',
      '/api/admin/invitations',
      { email: 'tom@praxis-a.example', name: 'Tom', language: 'de' },
      ownerA.accessToken,
    );
    expect(invited).toMatchObject({ status: 202, body: { status: 'sent' } });
    const tom = ((await f.api('GET', '/api/admin/users', undefined, ownerA.accessToken)).body as AdminUser[]).find(
      (u) => u.email === 'tom@praxis-a.example',
    )!;
    expect(tom).toMatchObject({ name: 'Tom', state: 'invited' });
    const first = await f.linkFor('tom@praxis-a.example');
    expect((await f.api('POST', `/api/admin/users/${tom.id}/invitation`, undefined, ownerA.accessToken)).status).toBe(
      202,
    );
    const second = await f.linkFor('tom@praxis-a.example', 1);
    expect(second).not.toBe(first);
    expect((await f.api('GET', `/api/registration/${first}`)).body.error.code).toBe('link_used');
    expect((await f.api('GET', `/api/registration/${second}`)).body.organisationName).toBe('Praxis Alpha');
    // A registered user gets no new link; an e-mail address that is taken cannot be given twice.
    expect(
      (await f.api('POST', `/api/admin/users/${staffAId}/invitation`, undefined, ownerA.accessToken)).body.error.code,
    ).toBe('already_registered');
    expect(
      (await f.api('PATCH', `/api/admin/users/${tom.id}`, { email: 'LISA@praxis-a.example' }, ownerA.accessToken)).body
        .error.code,
    ).toBe('account_exists');
    expect(
      (await f.api('PATCH', `/api/admin/users/${tom.id}`, { email: 'thomas@praxis-a.example' }, ownerA.accessToken))
        .body,
    ).toMatchObject({ email: 'thomas@praxis-a.example', state: 'invited' });
  });

  it('the dashboard counts users, calls, minutes, meetings and invitations, per member and day; logs list calls', async () => {
    const me = (await f.api('GET', '/api/account/me', undefined, ownerA.accessToken)).body;
    const t0 = f.clock.now - 2 * DAY;
    await f.server.callRecords.add({
      organisationId: orgA.id,
      kind: 'contact',
      initiatorId: me.id,
      participantIds: [staffAId],
      startedAt: t0,
      endedAt: t0 + 10 * 60_000,
    });
    await f.server.callRecords.add({
      organisationId: orgA.id,
      kind: 'group',
      name: 'Team meeting',
      initiatorId: staffAId,
      participantIds: [me.id],
      startedAt: t0 + DAY,
      endedAt: t0 + DAY + 20 * 60_000,
      invitations: 3,
    });
    // Another organisation's call does not count.
    await f.server.callRecords.add({
      organisationId: null,
      kind: 'contact',
      initiatorId: me.id,
      participantIds: [],
      startedAt: t0,
      endedAt: t0 + 60_000,
    });
    const stats = (await f.api('GET', '/api/admin/statistics', undefined, ownerA.accessToken)).body;
    expect(stats).toMatchObject({
      registeredUsers: 2,
      activeLicences: 2,
      calls: 2,
      totalMinutes: 30,
      meetings: 1,
      invitations: { registration: 4, calls: 3 }, // the owner's own link, Lisa's, and Tom's two
    });
    const lisa = stats.callsPerMember.find((m: { accountId: string }) => m.accountId === staffAId);
    const day = Math.floor(t0 / DAY);
    expect(lisa.days).toEqual([
      { day, calls: 1 },
      { day: day + 1, calls: 1 },
    ]);
    const logs = (await f.api('GET', '/api/admin/logs', undefined, ownerA.accessToken)).body as {
      name: string;
      durationS: number;
      participants: { name: string }[];
    }[];
    expect(logs.map((l) => [l.name, l.durationS, l.participants.length])).toEqual([
      ['Team meeting', 1200, 2],
      ['', 600, 2],
    ]);
    expect((await f.api('GET', '/api/admin/statistics?from=abc', undefined, ownerA.accessToken)).status).toBe(400);
  });
});

describe('profile and settings', () => {
  it('edits address and phone, but not name or e-mail; settings round-trip', async () => {
    const edited = await f.api(
      'PATCH',
      '/api/account/profile',
      { address: 'Hauptstraße 1', postcode: '10115', city: 'Berlin', country: 'DE', phone: '030 1234567' },
      staffA.accessToken,
    );
    expect(edited.body).toMatchObject({ city: 'Berlin', phone: '+49301234567', name: 'Lisa Arendt' });
    expect((await f.api('PATCH', '/api/account/profile', { name: 'Someone else' }, staffA.accessToken)).status).toBe(
      400,
    );
    expect(
      (await f.api('PATCH', '/api/account/profile', { phone: '12' }, staffA.accessToken)).body.error.issues,
    ).toEqual([{ path: 'phone', code: 'phone_invalid' }]);
    expect((await f.api('GET', '/api/account/profile', undefined, staffA.accessToken)).body.city).toBe('Berlin');

    const defaults = (await f.api('GET', '/api/account/settings', undefined, staffA.accessToken)).body;
    expect(defaults).toEqual({
      language: 'en',
      searchable: false,
      autoDownload: false,
      autoAnswer: false,
      mute: false,
      patientConsent: true,
      microphoneId: null,
      cameraId: null,
      network: { participating: false, termsVersion: '2026-11', acceptedVersion: null, acceptedAt: null },
    });
    const changed = await f.api(
      'PATCH',
      '/api/account/settings',
      { language: 'sv', autoAnswer: true, cameraId: 'cam-1' },
      staffA.accessToken,
    );
    expect(changed.body).toMatchObject({ language: 'sv', autoAnswer: true, cameraId: 'cam-1', mute: false });
    expect((await f.api('PATCH', '/api/account/settings', { autoAnswer: 'yes' }, staffA.accessToken)).status).toBe(400);
    expect((await f.api('GET', '/api/account/settings', undefined, staffA.accessToken)).body.autoAnswer).toBe(true);
  });

  it('changes the password only with the current one, twice the same and by the policy; other sessions end', async () => {
    const other = (await signIn('lisa.a')).body as Session;
    const change = (body: object) => f.api('POST', '/api/account/password', body, staffA.accessToken);
    const next = 'Another-Good-Pass-9';
    expect((await change({ current: GOOD, password: next, repeat: next + 'x' })).body.error.code).toBe(
      'password_mismatch',
    );
    expect((await change({ current: 'Wrong-Pass-123', password: next, repeat: next })).body.error.code).toBe(
      'credentials_invalid',
    );
    expect((await change({ current: GOOD, password: 'short', repeat: 'short' })).body.error.code).toBe(
      'password_policy',
    );
    const changed = await change({ current: GOOD, password: next, repeat: next });
    expect(changed.status).toBe(200);
    expect((await f.api('GET', '/api/account/me', undefined, other.accessToken)).status).toBe(401);
    expect((await signIn('lisa.a')).status).toBe(401);
    expect((await signIn('lisa.a', next)).status).toBe(200);
    staffA = changed.body as Session;
  });
});

let external: Session;
let hiddenId: string;

describe('contacts', () => {
  it('colleagues see each other; external users are found only when they opted in', async () => {
    external = await signUpAndRegister('eva@klinik.example', 'eva.klinik', { searchable: true });
    const hidden = await signUpAndRegister('hugo@klinik.example', 'hugo.klinik', { searchable: false });
    hiddenId = (await f.api('GET', '/api/account/me', undefined, hidden.accessToken)).body.id;
    const list = (await f.api('GET', '/api/contacts', undefined, staffA.accessToken)).body as {
      username: string;
      source: string;
      id: string;
    }[];
    expect(list.map((c) => [c.username, c.source])).toEqual([['owner.a', 'organisation']]);

    const found = (await f.api('GET', '/api/contacts/search?q=klinik', undefined, staffA.accessToken)).body as {
      id: string;
      username: string;
    }[];
    expect(found.map((c) => c.username)).toEqual(['eva.klinik']);
    expect((await f.api('GET', '/api/contacts/search?q=hugo', undefined, staffA.accessToken)).body).toEqual([]);
    expect((await f.api('GET', '/api/contacts/search?q=%25%25', undefined, staffA.accessToken)).body).toEqual([]);
    expect((await f.api('GET', '/api/contacts/search?q=h', undefined, staffA.accessToken)).status).toBe(400);
    expect((await f.api('POST', '/api/contacts', { id: hiddenId }, staffA.accessToken)).status).toBe(404);

    const added = await f.api('POST', '/api/contacts', { id: found[0]!.id }, staffA.accessToken);
    expect(added.body.map((c: { username: string }) => c.username)).toEqual(['eva.klinik', 'owner.a']);
    expect(
      (await f.api('DELETE', `/api/contacts/${found[0]!.id}`, undefined, staffA.accessToken)).body.map(
        (c: { username: string }) => c.username,
      ),
    ).toEqual(['owner.a']);
  });
});

describe('cross-organisation walk', () => {
  it('every route, as organisation A against organisation B, answers 4xx or nothing of B, and changes nothing', async () => {
    // Organisation B: an admin and a member with data of their own.
    const ownerB = await signUpAndRegister('owner@praxis-b.example', 'owner.b');
    const orgB = (await f.api('POST', '/api/account/organisation', { name: 'Praxis B' }, ownerB.accessToken)).body as {
      id: string;
      code: string;
    };
    const invitedB = await f.api(
      'POST',
      '/api/admin/invitations',
      { email: 'nina@praxis-b.example', name: 'Nina B' },
      ownerB.accessToken,
    );
    expect(invitedB.status).toBe(202);
    const memberB = ((await f.api('GET', '/api/admin/users', undefined, ownerB.accessToken)).body as AdminUser[]).find(
      (u) => u.email === 'nina@praxis-b.example',
    )!.id;
    const ownerBId = (await f.api('GET', '/api/account/me', undefined, ownerB.accessToken)).body.id as string;
    const invitationB = (await f.api('POST', '/api/calls/invitations', { label: 'Patient of B' }, ownerB.accessToken))
      .body as { id: string; code: string };
    // B's practice has a tenant with credits: A must neither see nor spend nor move them.
    const tenantB = '01900000-0000-7000-8000-0000000b0b0b';
    const stampB = `${f.clock.now.toString(36).padStart(9, '0')}:00000:deviceb`;
    const pushedB = await f.api(
      'POST',
      '/api/sync/push',
      {
        deviceId: 'deviceb',
        fromSeq: 1,
        toSeq: 1,
        changes: [
          {
            table: 'tenants',
            id: tenantB,
            fields: { name: { v: 'Mandant B', s: stampB }, sms_credits: { v: 0, s: stampB } },
          },
        ],
      },
      ownerB.accessToken,
    );
    expect(pushedB.status).toBe(200);
    const orderB = await f.api(
      'POST',
      '/api/credits/orders',
      { tenantId: tenantB, pack: 'sms-500', idempotencyKey: 'order-of-b-0000001' },
      ownerB.accessToken,
    );
    expect(orderB.status).toBe(201);
    const secretsOfB = [
      tenantB,
      'deviceb',
      'Mandant B',
      orderB.body.orderId as string,
      'praxis-b.example',
      'Praxis B',
      orgB.code,
      orgB.id,
      memberB,
      ownerBId,
      'Nina B',
      invitationB.id,
      'Patient of B',
    ];

    const snapshot = async () =>
      JSON.stringify([
        await f.db.selectFrom('organisations').selectAll().where('id', '=', orgB.id).execute(),
        await f.db
          .selectFrom('accounts')
          .select([
            'id',
            'email',
            'name',
            'username',
            'password_hash',
            'pin_hash',
            'role',
            'organisation_id',
            'status',
            'licence',
            'searchable',
            'preferences',
            'address',
            'contact_phone',
            'contract_ends_at',
            'deleted_at',
          ])
          .where('organisation_id', '=', orgB.id)
          .orderBy('id')
          .execute(),
        await f.db.selectFrom('contacts').selectAll().where('owner_id', 'in', [memberB, ownerBId]).execute(),
        await f.db
          .selectFrom('sessions')
          .select('revoked_at')
          .where('account_id', '=', ownerBId)
          .orderBy('id')
          .execute(),
        await f.db.selectFrom('call_invitations').selectAll().where('account_id', '=', ownerBId).execute(),
        // Registration links of B's people, and every mail sent to them: a request from A must neither
        // use up a pending link nor mail B's invitee again.
        await f.db
          .selectFrom('registration_links')
          .innerJoin('accounts', 'accounts.id', 'registration_links.account_id')
          .select(['registration_links.token_hash', 'registration_links.used_at', 'registration_links.expires_at'])
          .where('accounts.organisation_id', '=', orgB.id)
          .orderBy('registration_links.token_hash')
          .execute(),
        f.inbox.filter((m) => m.to.endsWith('@praxis-b.example')).length,
        // B's practice as the server syncs it, and its credits.
        await f.db.selectFrom('sync_rows').selectAll().where('practice_id', '=', `org:${orgB.id}`).execute(),
        await f.db.selectFrom('sync_devices').selectAll().where('practice_id', '=', `org:${orgB.id}`).execute(),
        await f.db.selectFrom('credit_balances').selectAll().where('practice_id', '=', `org:${orgB.id}`).execute(),
        await f.db.selectFrom('credit_ledger').selectAll().where('practice_id', '=', `org:${orgB.id}`).execute(),
        await f.db.selectFrom('credit_orders').selectAll().where('practice_id', '=', `org:${orgB.id}`).execute(),
      ]);
    const before = await snapshot();

    // Each route aimed at B: B's ids in the path, B's organisation in the query, B's objects in the body.
    const requests: Record<string, { path: string; body?: unknown }> = {
      'GET /api/health': { path: '/api/health' },
      'GET /api/ready': { path: '/api/ready' },
      'GET /api/password-policy': { path: '/api/password-policy' },
      'POST /api/registration/signup': { path: '/api/registration/signup', body: { email: 'nina@praxis-b.example' } },
      'GET /api/registration/:token': { path: `/api/registration/${'A'.repeat(43)}` },
      'POST /api/registration/:token': {
        path: `/api/registration/${'A'.repeat(43)}`,
        body: { username: 'nina', password: GOOD },
      },
      'POST /api/account/registration/pin': { path: '/api/account/registration/pin' },
      'POST /api/account/registration/pin/confirm': { path: '/api/account/registration/pin/confirm' },
      'POST /api/account/registration/finish': { path: '/api/account/registration/finish' },
      'POST /api/auth/sign-in': { path: '/api/auth/sign-in', body: { username: 'owner.b', password: 'x' } },
      'POST /api/auth/refresh': { path: '/api/auth/refresh', body: { refreshToken: ownerA.refreshToken + 'x' } },
      'POST /api/auth/sign-out': { path: '/api/auth/sign-out', body: { refreshToken: 'B'.repeat(43) } },
      'GET /api/account/me': { path: '/api/account/me' },
      'POST /api/account/two-factor/start': {
        path: '/api/account/two-factor/start',
        body: { phone: '0171 2345678', country: 'DE' },
      },
      'POST /api/account/two-factor/confirm': { path: '/api/account/two-factor/confirm', body: { code: '12345678' } },
      'POST /api/account/two-factor/disable': { path: '/api/account/two-factor/disable', body: { password: 'x' } },
      'POST /api/auth/two-factor': {
        path: '/api/auth/two-factor',
        body: { challenge: 'C'.repeat(43), code: '12345678' },
      },
      'POST /api/auth/two-factor/resend': { path: '/api/auth/two-factor/resend', body: { challenge: 'C'.repeat(43) } },
      'POST /api/admin/pin-check': { path: '/api/admin/pin-check', body: { username: 'owner.b', pin: '12345678' } },
      'GET /api/account/profile': { path: '/api/account/profile' },
      'PATCH /api/account/profile': { path: '/api/account/profile', body: { city: 'Hamburg' } },
      'POST /api/account/password': {
        path: '/api/account/password',
        body: { current: 'wrong', password: GOOD, repeat: GOOD },
      },
      'GET /api/account/settings': { path: '/api/account/settings' },
      'PATCH /api/account/settings': { path: '/api/account/settings', body: { mute: true } },
      'POST /api/account/delete': { path: '/api/account/delete', body: { password: 'Wrong-Pass-1' } },
      'POST /api/account/organisation': { path: '/api/account/organisation', body: { name: 'Praxis B' } },
      'POST /api/admin/invitations': {
        path: '/api/admin/invitations',
        body: { email: 'new@praxis-b.example', organisationId: orgB.id },
      },
      'POST /api/admin/organisations': { path: '/api/admin/organisations', body: { name: 'Praxis B2' } },
      'GET /api/admin/organisation': { path: `/api/admin/organisation?organisationId=${orgB.id}` },
      'PATCH /api/admin/organisation': {
        path: `/api/admin/organisation?organisationId=${orgB.id}`,
        body: { name: 'Taken over' },
      },
      'GET /api/admin/users': { path: `/api/admin/users?organisationId=${orgB.id}` },
      'PATCH /api/admin/users/:id': { path: `/api/admin/users/${memberB}`, body: { licence: false, name: 'X' } },
      'POST /api/admin/users/:id/invitation': { path: `/api/admin/users/${memberB}/invitation` },
      'GET /api/admin/statistics': { path: `/api/admin/statistics?organisationId=${orgB.id}` },
      'GET /api/admin/logs': { path: `/api/admin/logs?organisationId=${orgB.id}` },
      'GET /api/contacts': { path: '/api/contacts' },
      'GET /api/contacts/search': { path: '/api/contacts/search?q=praxis-b' },
      'POST /api/contacts': { path: '/api/contacts', body: { id: memberB } },
      'POST /api/contacts/:id/sms': {
        path: `/api/contacts/${ownerBId}/sms`,
        body: { text: 'Hallo', idempotencyKey: 'walk-contact-sms-01' },
      },
      'DELETE /api/contacts/:id': { path: `/api/contacts/${ownerBId}` },
      'POST /api/calls/invitations': { path: '/api/calls/invitations', body: { label: 'x' } },
      'GET /api/calls/invitations': { path: '/api/calls/invitations' },
      'DELETE /api/calls/invitations/:id': { path: `/api/calls/invitations/${invitationB.id}` },
      'POST /api/calls/ticket': { path: '/api/calls/ticket' },
      'POST /api/guest/redeem': { path: '/api/guest/redeem', body: { code: '000000000' } },
      'GET /api/calls/ice-servers': { path: '/api/calls/ice-servers' },
      'GET /join/:token': { path: '/join/abc' },
      'GET /join': { path: '/join' },
      // Sync: the practice comes from the caller's account, so A reaches only A's practice; pushing as a
      // device of another account is refused.
      'POST /api/sync/push': {
        path: '/api/sync/push',
        body: {
          deviceId: 'walkdevice',
          fromSeq: 1,
          toSeq: 1,
          changes: [
            {
              table: 'rooms',
              id: '01900000-0000-7000-8000-00000000beef',
              fields: { name: { v: 'Raum B', s: `${f.clock.now.toString(36).padStart(9, '0')}:00000:walk` } },
            },
          ],
        },
      },
      'GET /api/sync/pull': { path: '/api/sync/pull?after=0&device=deviceb' },
      // The call log is the caller's own: pushing B's entry id under A is A's entry, never B's.
      'POST /api/sync/call-log': {
        path: '/api/sync/call-log',
        body: {
          entries: [
            {
              id: '01900000-0000-7000-8000-00000000ca11',
              direction: 'incoming',
              peerName: 'Walk',
              kind: 'contact',
              status: 'missed',
              startedAt: 1,
              answeredAt: null,
              endedAt: null,
              seen: 0,
            },
          ],
        },
      },
      'GET /api/sync/call-log': { path: '/api/sync/call-log?after=0' },
      'GET /api/sync/snapshot': {
        path: `/api/sync/snapshot?phase=tenants&after=0&upTo=0&from=0&to=${86_400_000}&device=deviceb`,
      },
      'GET /api/sync/devices': { path: '/api/sync/devices' },
      'POST /api/sync/devices/:id/revoke': { path: '/api/sync/devices/deviceb/revoke' },
      // Credits: the practice comes from the caller; B's tenant is unknown to A; the service desk's routes
      // are the service desk's only.
      'GET /api/credits': { path: '/api/credits' },
      'GET /api/credits/:tenantId/ledger': { path: `/api/credits/${tenantB}/ledger` },
      'POST /api/credits/orders': {
        path: '/api/credits/orders',
        body: { tenantId: tenantB, pack: 'sms-500', idempotencyKey: 'walk-order-0000001' },
      },
      'GET /api/admin/credits': { path: `/api/admin/credits?practice=org:${orgB.id}` },
      'POST /api/admin/credits/transfer': {
        path: '/api/admin/credits/transfer',
        body: {
          from: { practice: `org:${orgB.id}`, tenantId: tenantB },
          to: { practice: `org:${orgB.id}`, tenantId: '01900000-0000-7000-8000-0000000a0a0a' },
          amount: 100,
          idempotencyKey: 'walk-transfer-000001',
        },
      },
      'POST /api/admin/credits/adjust': {
        path: '/api/admin/credits/adjust',
        body: {
          practice: `org:${orgB.id}`,
          tenantId: tenantB,
          amount: -100,
          note: 'x',
          idempotencyKey: 'walk-adjust-00000001',
        },
      },
      // Billing: the buyer is the caller; vouchers are the service desk's.
      'GET /api/billing/plans': { path: '/api/billing/plans' },
      'POST /api/billing/quote': { path: '/api/billing/quote', body: { plan: 'organisation' } },
      'GET /api/billing/subscription': { path: '/api/billing/subscription' },
      'POST /api/billing/checkout': {
        path: '/api/billing/checkout',
        body: { plan: 'flex', idempotencyKey: 'walk-checkout-000001' },
      },
      'GET /api/billing/payments/:id': { path: `/api/billing/payments/${tenantB}` },
      'POST /api/billing/payments/:id/confirm': {
        path: `/api/billing/payments/${tenantB}/confirm`,
        body: { approve: true },
      },
      'POST /api/billing/subscription/cancel': { path: '/api/billing/subscription/cancel' },
      'POST /api/billing/subscription/reactivate': { path: '/api/billing/subscription/reactivate' },
      'GET /api/billing/invoices': { path: '/api/billing/invoices' },
      'GET /api/billing/invoices/:id/pdf': { path: `/api/billing/invoices/${tenantB}/pdf` },
      'GET /api/admin/billing': { path: '/api/admin/billing' },
      'GET /api/telehealth/usage': { path: '/api/telehealth/usage' },
      'POST /api/telehealth/addon': { path: '/api/telehealth/addon', body: { idempotencyKey: 'walk-addon-000001' } },
      'DELETE /api/telehealth/addon': { path: '/api/telehealth/addon' },
      'GET /api/telehealth/members': { path: '/api/telehealth/members' },
      'PUT /api/telehealth/members/:id': {
        path: `/api/telehealth/members/${ownerBId}`,
        body: { addOn: true, idempotencyKey: 'walk-member-00001' },
      },
      'GET /api/admin/vouchers': { path: '/api/admin/vouchers' },
      'POST /api/admin/vouchers': {
        path: '/api/admin/vouchers',
        body: { code: 'WALK-FREE', kind: 'percent', value: 10000 },
      },
      // Webhooks without the provider's signature (here: no secret configured at all) change nothing.
      'POST /api/sms/gatewayapi/status': {
        path: '/api/sms/gatewayapi/status',
        body: { id: 1, msisdn: 491711234567, status: 'DELIVERED' },
      },
      'POST /api/sms/gatewayapi/inbound': {
        path: '/api/sms/gatewayapi/inbound',
        body: { id: 1, msisdn: 491711234567, message: 'STOP' },
      },
    };
    const apiRoutes = f.server.routes
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => r.includes(' /api/') || r.includes(' /join'));
    // A new route must be added to this walk.
    expect(apiRoutes.filter((r) => !(r in requests))).toEqual([]);

    for (const route of apiRoutes) {
      const { path, body } = requests[route]!;
      const method = route.split(' ')[0]!;
      for (const token of [ownerA.accessToken, staffA.accessToken]) {
        const answer = await f.api(method, path, body, token);
        expect(answer.status, route).toBeLessThan(500);
        if (answer.status < 400) {
          const text = JSON.stringify(answer.body ?? '');
          for (const secret of secretsOfB) expect(text, `${route} leaks ${secret}`).not.toContain(secret);
        }
      }
    }
    expect(await snapshot()).toBe(before);
  });
});

describe('account deletion', () => {
  it('needs the password, ends the sessions at once, erases personal data after the stated period and keeps billing', async () => {
    const session = external;
    expect((await f.api('POST', '/api/account/delete', { password: 'Wrong-Pass-1' }, session.accessToken)).status).toBe(
      401,
    );
    expect((await signIn('eva.klinik')).status).toBe(200);
    const deleted = await f.api('POST', '/api/account/delete', { password: GOOD }, session.accessToken);
    expect(deleted.body).toEqual({ eraseAt: f.clock.now + 30 * DAY });
    // Signed out everywhere at once; personal data stays until the erasure date (support can still undo it).
    expect((await f.api('GET', '/api/account/profile', undefined, session.accessToken)).status).toBe(401);
    expect((await signIn('eva.klinik')).status).toBe(401);
    await f.server.housekeeping();
    expect(
      await f.db.selectFrom('accounts').select('username').where('username', '=', 'eva.klinik').execute(),
    ).toHaveLength(1);
    f.clock.now += 396 * DAY;
    await f.server.housekeeping();
    const row = (await f.db
      .selectFrom('accounts')
      .selectAll()
      .where('email', 'like', 'deleted-%')
      .where('plan', '=', 'individual')
      .execute()) as Record<string, unknown>[];
    expect(row).toHaveLength(1);
    expect(row[0]).toMatchObject({ name: '', username: null, password_hash: null, phone: null, status: 'deactivated' });
    expect(row[0]!.deleted_at).toBe(f.clock.now);
    expect(row[0]!.activated_at).not.toBeNull(); // billing keeps the dates
    // The call records' retention (92 days) has passed for the records written above.
    const calls = await f.db
      .selectFrom('call_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(calls.n)).toBe(0);
  });
});
