/**
 * Account routes (protocol/accounts.ts): sign-up, registration, sign-in with two-factor, sessions, and the
 * support's PIN check. Codes, passwords and PINs are rate-limited; the limits that matter for security are
 * kept in the database (AccountService, TwoFactorService), these per-address ones only keep floods off.
 */
import type { FastifyInstance } from 'fastify';
import { accountRoutes as routes } from '../../protocol/accounts';
import { adminRoutes } from '../../protocol/admin';
import type { AccountService } from '../accounts/accountService';
import { PASSWORD_POLICY } from '../accounts/passwords';
import { ApiError } from './apiError';
import type { Guard } from './auth';
import { serve } from './serve';

export const limit = (max: number, timeWindow: string) => ({ limit: { max, timeWindow } });

export function registerAccountRoutes(app: FastifyInstance, accounts: AccountService, signedIn: Guard): void {
  const registering = { registering: true };

  serve(app, routes.passwordPolicy, () => ({ ...PASSWORD_POLICY, rules: [...PASSWORD_POLICY.rules] }));

  // A practice's staff may sign up from one address; per address, mail-bombing stays slow.
  serve(
    app,
    routes.signUp,
    async ({ body }) => {
      await accounts.signUp(body.email, body.language, body.organisationCode);
      return { status: 'sent' as const };
    },
    limit(20, '1 hour'),
  );

  serve(
    app,
    routes.inspectLink,
    async ({ params }) => ({
      ...(await accounts.inspectLink(params.token).then((info) => ({ ...info, steps: [...info.steps] }))),
      passwordPolicy: { ...PASSWORD_POLICY, rules: [...PASSWORD_POLICY.rules] },
    }),
    limit(30, '1 minute'),
  );

  serve(
    app,
    routes.register,
    ({ params, body }) => accounts.completeRegistration(params.token, body),
    limit(10, '1 minute'),
  );

  // The wizard's later steps run signed in, before the account counts as registered.
  serve(
    app,
    routes.createPin,
    async ({ request, body }) => accounts.createPin((await signedIn(request, registering)).id, body?.pin),
    limit(10, '1 minute'),
  );
  serve(app, routes.confirmPin, async ({ request }) => {
    await accounts.confirmPin((await signedIn(request, registering)).id);
    return { confirmed: true };
  });
  serve(app, routes.finishRegistration, async ({ request }) =>
    accounts.finishRegistration((await signedIn(request, registering)).id),
  );

  // The real limits (per account, per address across usernames) are in the database, claimed before the
  // password is checked (AccountService.signIn); this one only keeps a flood off the hashing.
  serve(
    app,
    routes.signIn,
    ({ body, request }) => accounts.signIn(body.username, body.password, request.ip),
    limit(120, '1 minute'),
  );
  serve(app, routes.refresh, ({ body }) => accounts.refresh(body.refreshToken), limit(60, '1 minute'));
  serve(app, routes.signOut, ({ body }) => accounts.signOut(body.refreshToken));
  serve(app, routes.me, ({ request }) => signedIn(request, registering));

  serve(
    app,
    routes.startTwoFactor,
    async ({ request, body }) => {
      const me = await signedIn(request, registering);
      // Changing the number of an account that has two-factor on moves its second factor: the password is
      // asked as for switching it off, so that a stolen session alone cannot redirect the codes.
      if (me.twoFactor && !(body.password && (await accounts.checkPassword(me.id, body.password))))
        throw new ApiError(401, 'credentials_invalid', 'The password is needed to change the number', [
          { path: 'password', code: 'credentials_invalid' },
        ]);
      await accounts.twoFactor.startEnable(me.id, body.phone, body.country, me.language);
      return { status: 'sent' as const };
    },
    limit(5, '1 minute'),
  );
  serve(
    app,
    routes.confirmTwoFactor,
    async ({ request, body }) => {
      const me = await signedIn(request, registering);
      await accounts.twoFactor.confirmEnable(me.id, body.code);
      return { twoFactor: true };
    },
    limit(10, '1 minute'),
  );
  serve(
    app,
    routes.disableTwoFactor,
    async ({ request, body }) => {
      const me = await signedIn(request);
      if (!(await accounts.checkPassword(me.id, body.password)))
        throw new ApiError(401, 'credentials_invalid', 'The password is wrong', [
          { path: 'password', code: 'credentials_invalid' },
        ]);
      await accounts.twoFactor.disable(me.id);
      return { twoFactor: false };
    },
    limit(10, '1 minute'),
  );
  serve(
    app,
    routes.signInWithCode,
    ({ body }) => accounts.signInWithCode(body.challenge, body.code),
    limit(10, '1 minute'),
  );
  serve(
    app,
    routes.resendCode,
    async ({ body }) => ({ challenge: await accounts.twoFactor.resendSignIn(body.challenge) }),
    limit(5, '1 minute'),
  );

  serve(
    app,
    adminRoutes.pinCheck,
    async ({ request, body }) => {
      const me = await signedIn(request);
      if (me.role !== 'service_admin') throw new ApiError(403, 'forbidden', 'Only support can check PINs');
      return { valid: await accounts.checkPin(body.username, body.pin) };
    },
    limit(10, '1 minute'),
  );
}
