/**
 * What the guest page learns about the practice when a patient redeems an invitation (issue 15): the name,
 * phone and logo from the inviting practitioner's practice as its workstations synced it — nothing of
 * another practice, nothing before a sync, and only an image data URL of a known kind as the logo (a synced
 * field is only length-checked, so an SVG with script must not reach the page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg==';

async function practiceOf(username: string, fields: Record<string, string> | null) {
  const session = await f.registered(username);
  const { id } = await f.db
    .selectFrom('accounts')
    .select('id')
    .where('username', '=', username)
    .executeTakeFirstOrThrow();
  if (fields) await f.seedRow(`acct:${id}`, 'practice', fields, '00000000-0000-7000-8000-000000000001');
  const invite = async () => {
    const created = await f.api('POST', '/api/calls/invitations', { label: 'Patient' }, session.accessToken);
    expect(created.status).toBe(201);
    const redeemed = await f.api('POST', '/api/guest/redeem', { code: (created.body as { code: string }).code });
    expect(redeemed.status).toBe(200);
    return redeemed.body.practice;
  };
  return { invite };
}

describe('the practice on the guest page', () => {
  it('comes from the inviting practice’s synced set-up, with a logo only when it is a safe image', async () => {
    const park = await practiceOf('gp.park', { name: 'Praxis am Park', phone: '030 1234567', logo: PNG });
    const hostile = await practiceOf('gp.hostile', {
      name: 'Praxis Svg',
      phone: '',
      logo: 'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+',
    });
    const unsynced = await practiceOf('gp.unsynced', null);
    expect(await park.invite()).toEqual({ name: 'Praxis am Park', phone: '030 1234567', logo: PNG });
    expect(await hostile.invite()).toEqual({ name: 'Praxis Svg', phone: '', logo: '' });
    expect(await unsynced.invite()).toBeNull();
  });
});
