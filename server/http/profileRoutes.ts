/** The signed-in user's own account: profile, password, settings, deleting it, and upgrading to an organisation. */
import type { FastifyInstance } from 'fastify';
import { accountRoutes as routes } from '../../protocol/accounts';
import type { AccountService } from '../accounts/accountService';
import type { AccountDeletion } from '../accounts/accountDeletion';
import { billingRoutes } from '../../protocol/billing';
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
    deletion: AccountDeletion;
    organisations: OrganisationService;
  },
  signedIn: Guard,
): void {
  const { accounts, profiles, deletion, organisations } = services;

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

  // Deleting the account (issue 11): with the password; sessions end now, personal data is erased later.
  serve(
    app,
    billingRoutes.deleteAccount,
    async ({ request, body }) => {
      const me = await signedIn(request, { registering: true });
      if (!(await accounts.checkPassword(me.id, body.password)))
        throw new ApiError(401, 'credentials_invalid', 'The password is wrong', [
          { path: 'password', code: 'credentials_invalid' },
        ]);
      return deletion.schedule(me.id);
    },
    limit(10, '1 minute'),
  );

  serve(
    app,
    routes.upgrade,
    async ({ request, body }) => organisations.upgrade(await signedIn(request), body.name),
    limit(10, '1 minute'),
  );
}
