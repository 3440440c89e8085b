/** Who is calling: the account behind the bearer access token, checked for every protected route. */
import type { FastifyRequest } from 'fastify';
import type { AccountService, Profile } from '../accounts/accountService';
import { ApiError } from './apiError';

export type Guard = (request: FastifyRequest, options?: { registering?: boolean }) => Promise<Profile>;

export function createGuard(accounts: AccountService): Guard {
  return async (request, options = {}) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header);
    const profile = match ? await accounts.authenticate(match[1]!) : null;
    if (!profile) throw new ApiError(401, 'unauthorized', 'Please sign in');
    // The wizard's own routes work before registration is finished (and before a licence is switched on);
    // everything else needs a registered, licensed account.
    if (!options.registering) {
      if (!profile.registered) throw new ApiError(403, 'registration_incomplete', 'Finish the registration first');
      if (!profile.licence)
        throw new ApiError(403, 'licence_inactive', 'Your organisation has not activated your licence');
    }
    return profile;
  };
}
