/** The call-station rule in front of the core's setting (issue 15), for every kind of account. */
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src-main/core/errors';
import { callStationCommand } from '../../src-main/core/settings/callStationCommand';
import type { Settings } from '../../src-preload/contract';

const settings = (callStation: boolean): Settings => ({
  language: 'en',
  languageSource: 'user',
  serverUrl: 'http://127.0.0.1:1',
  callStation,
});

const command = (profile: { role: string; organisationId: string | null } | null | undefined) => {
  const set = vi.fn((enabled: boolean) => settings(enabled));
  return { set, run: callStationCommand({ set, role: async () => profile }) };
};

describe('call-station command', () => {
  it('refuses an organisation member’s “on” and changes nothing', async () => {
    const { set, run } = command({ role: 'member', organisationId: 'org-1' });
    const error = await run({ enabled: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('admin_only');
    expect(set).not.toHaveBeenCalled();
    expect(await run({ enabled: false })).toEqual(settings(false));
  });

  it('lets admins, individual accounts, a signed-out and an offline (role unknown) workstation decide', async () => {
    for (const profile of [
      { role: 'org_admin', organisationId: 'org-1' },
      { role: 'member', organisationId: null },
      { role: 'service_admin', organisationId: null },
      null,
      undefined,
    ]) {
      const { set, run } = command(profile);
      expect(await run({ enabled: true })).toEqual(settings(true));
      expect(set).toHaveBeenCalledWith(true);
    }
  });
});
