/**
 * Turning call-station mode on or off, from the settings view or the tray: an organisation's ordinary
 * member may turn it off but not on (their administrator decides; issue 15). The rule is here, in front
 * of the core's setting, so neither the tray nor a renderer that skips its disabled checkbox gets past
 * it. Offline with the role never read, the workstation is trusted as before (the setting is local).
 */
import { isOrganisationMember } from '../../../protocol/accounts';
import type { Settings } from '../../../src-preload/contract';
import { AppError } from '../errors';

export function callStationCommand(deps: {
  set: (enabled: boolean) => Promise<Settings> | Settings;
  role: () => Promise<{ role: string; organisationId: string | null } | null | undefined>;
}): (input: { enabled: boolean }) => Promise<Settings> {
  return async ({ enabled }) => {
    if (enabled) {
      const profile = await deps.role();
      if (profile && isOrganisationMember(profile))
        throw new AppError('admin_only', 'Call-station mode is turned on by the organisation’s administrator', [
          { path: 'enabled', code: 'admin_only' },
        ]);
    }
    return deps.set(enabled);
  };
}
