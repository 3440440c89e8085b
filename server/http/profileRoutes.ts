/** The signed-in user's own account: profile, password, settings, contract, and upgrading to an organisation. */
import type { FastifyInstance } from 'fastify';
import { accountRoutes as routes } from '../../protocol/accounts';
import type { AccountService } from '../accounts/accountService';
import type { ContractService } from '../accounts/contractService';
import type { ProfileService } from '../accounts/profileService';
import type { OrganisationService } from '../organisations/organisationService';
import { ApiError } from './apiError';
import { limit } from './accountRoutes';
import type { Guard } from './auth';
import { serve } from './serve';

export function registerProfileRoutes(
  app: FastifyInstance,
  services: {
    accounts: AccountService;
    profiles: ProfileService;
    contracts: ContractService;
    organisations: OrganisationService;
  },
  signedIn: Guard,
): void {
  const { accounts, profiles, contracts, organisations } = services;

  serve(app, routes.profile, async ({ request }) => profiles.profile((await signedIn(request)).id));
  serve(app, routes.updateProfile, async ({ request, body }) =>
    profiles.updateProfile((await signedIn(request)).id, body ?? {}),
  );
  serve(
    app,
    routes.changePassword,
    async ({ request, body }) => profiles.changePassword((await signedIn(request)).id, body),
    limit(10, '1 minute'),
  );

  // Settings are also the wizard's visibility step, so they work during registration.
  serve(app, routes.settings, async ({ request }) =>
    profiles.settings((await signedIn(request, { registering: true })).id),
  );
  serve(app, routes.updateSettings, async ({ request, body }) =>
    profiles.updateSettings((await signedIn(request, { registering: true })).id, body ?? {}),
  );

  serve(app, routes.contract, async ({ request }) => contracts.contract((await signedIn(request)).id));
  serve(
    app,
    routes.cancelContract,
    async ({ request, body }) => {
      const me = await signedIn(request);
      if (!(await accounts.checkPassword(me.id, body.password)))
        throw new ApiError(401, 'credentials_invalid', 'The password is wrong', [
          { path: 'password', code: 'credentials_invalid' },
        ]);
      return contracts.cancel(me.id, body.endAt);
    },
    limit(10, '1 minute'),
  );
  serve(app, routes.withdrawCancellation, async ({ request }) => contracts.withdraw((await signedIn(request)).id));

  serve(
    app,
    routes.upgrade,
    async ({ request, body }) => organisations.upgrade(await signedIn(request), body.name),
    limit(10, '1 minute'),
  );
}
