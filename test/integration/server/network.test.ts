/**
 * Network participation (as HLaN's): on only with the current privacy policy and terms accepted, the
 * accepted version and time recorded; switching off keeps the record; new terms pause participation until
 * accepted again. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileService } from '../../../server/accounts/profileService';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture({ flags: ['--network-terms-version=2026-11'] });
});
afterAll(() => f?.close());

const GOOD = 'Correct-Horse-7-Battery';

describe('network participation', () => {
  it('needs the current terms accepted, records version and time, and pauses when the terms change', async () => {
    const { accessToken: token } = await f.registered('netz', GOOD);
    const settings = async () => (await f.api('GET', '/api/account/settings', undefined, token)).body.network;
    const patch = (network: object) => f.api('PATCH', '/api/account/settings', { network }, token);

    expect(await settings()).toEqual({
      participating: false,
      termsVersion: '2026-11',
      acceptedVersion: null,
      acceptedAt: null,
    });
    expect(await patch({ participating: true })).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'network.acceptTerms', code: 'terms_not_accepted' }] } },
    });
    expect(await patch({ participating: true, acceptTerms: '2025-01' })).toMatchObject({
      status: 400,
      body: { error: { issues: [{ code: 'terms_outdated' }] } },
    });
    expect((await settings()).participating).toBe(false);

    const accepted = await patch({ participating: true, acceptTerms: '2026-11' });
    expect(accepted.body.network).toEqual({
      participating: true,
      termsVersion: '2026-11',
      acceptedVersion: '2026-11',
      acceptedAt: f.clock.now,
    });
    const record = f.clock.now;
    f.clock.now += 60_000;
    expect((await patch({ participating: false })).body.network).toEqual({
      participating: false,
      termsVersion: '2026-11',
      acceptedVersion: '2026-11',
      acceptedAt: record,
    });
    // Back on without asking again: the terms in force were accepted before, at the recorded time.
    expect((await patch({ participating: true })).body.network).toMatchObject({
      participating: true,
      acceptedAt: record,
    });

    // New terms: participation pauses until they are accepted.
    const newTerms = new ProfileService(f.db, null as never, f.server.accounts, {
      termsVersion: '2027-01',
      now: () => f.clock.now,
    });
    const me = (await f.api('GET', '/api/account/me', undefined, token)).body as { id: string };
    expect((await newTerms.settings(me.id)).network).toEqual({
      participating: false,
      termsVersion: '2027-01',
      acceptedVersion: '2026-11',
      acceptedAt: record,
    });
    await expect(newTerms.updateSettings(me.id, { network: { participating: true } })).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(
      (await newTerms.updateSettings(me.id, { network: { participating: true, acceptTerms: '2027-01' } })).network,
    ).toMatchObject({
      participating: true,
      acceptedVersion: '2027-01',
    });
  });
});
