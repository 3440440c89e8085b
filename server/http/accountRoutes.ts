/**
 * Account routes. Bodies are checked with zod (a bad body is a 400 with field issues, never a 500); codes,
 * passwords and PINs are rate-limited per address.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountService } from '../accounts/accountService';
import { PASSWORD_POLICY } from '../accounts/passwords';
import { normaliseUsername } from '../accounts/usernames';
import { MAIL_LANGUAGES } from '../mail/mailTexts';
import { ApiError } from './apiError';
import type { Guard } from './auth';

const OWN_KEY = /^[a-z][a-z0-9_]*$/;

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ApiError(
    400,
    'bad_request',
    result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    result.error.issues.map((i) => ({ path: i.path.join('.'), code: OWN_KEY.test(i.message) ? i.message : i.code })),
  );
}

export const token = z.string().regex(/^[A-Za-z0-9_-]{40,64}$/, { message: 'token_invalid' });
export const language = z.enum(MAIL_LANGUAGES).default('en');
export const email = z.email({ message: 'email_invalid' }).max(254);
const username = z
  .string()
  .max(80)
  .refine((value) => normaliseUsername(value) !== null, { message: 'username_invalid' });
export const password = z.string().min(1, { message: 'required' }).max(256);

export const limit = (max: number, timeWindow: string) => ({ config: { rateLimit: { max, timeWindow } } });

export const organisationCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{4}-?[A-Z0-9]{4}$/, { message: 'organisation_code_invalid' })
  .transform((code) => (code.includes('-') ? code : `${code.slice(0, 4)}-${code.slice(4)}`));

export function registerAccountRoutes(app: FastifyInstance, accounts: AccountService, signedIn: Guard): void {
  const registering = { registering: true };

  app.get('/api/password-policy', async () => PASSWORD_POLICY);

  // A practice's staff may sign up from one address; per address, mail-bombing stays slow.
  app.post('/api/registration/signup', limit(20, '1 hour'), async (request, reply) => {
    const body = parse(
      z.object({ email, language, organisationCode: organisationCode.optional() }).strict(),
      request.body,
    );
    await accounts.signUp(body.email, body.language, body.organisationCode);
    return reply.code(202).send({ status: 'sent' });
  });

  app.get<{ Params: { token: string } }>('/api/registration/:token', limit(30, '1 minute'), async (request) => ({
    ...(await accounts.inspectLink(parse(token, request.params.token))),
    passwordPolicy: PASSWORD_POLICY,
  }));

  app.post<{ Params: { token: string } }>('/api/registration/:token', limit(10, '1 minute'), async (request) => {
    const body = parse(z.object({ username, password }).strict(), request.body);
    return accounts.completeRegistration(parse(token, request.params.token), body);
  });

  // The wizard's later steps run signed in, before the account counts as registered.
  app.post('/api/account/registration/pin', limit(10, '1 minute'), async (request) =>
    accounts.createPin((await signedIn(request, registering)).id),
  );

  app.post('/api/account/registration/pin/confirm', async (request) => {
    await accounts.confirmPin((await signedIn(request, registering)).id);
    return { confirmed: true };
  });

  app.post('/api/account/registration/finish', async (request) =>
    accounts.finishRegistration((await signedIn(request, registering)).id),
  );

  // The real limits (per account, per address across usernames) are in the database, claimed before the
  // password is checked (AccountService.signIn); this one only keeps a flood off the hashing.
  app.post('/api/auth/sign-in', limit(120, '1 minute'), async (request) => {
    const body = parse(z.object({ username: z.string().max(80), password }).strict(), request.body);
    return accounts.signIn(body.username, body.password, request.ip);
  });

  app.post('/api/auth/refresh', limit(60, '1 minute'), async (request) => {
    const body = parse(z.object({ refreshToken: token }).strict(), request.body);
    return accounts.refresh(body.refreshToken);
  });

  app.post('/api/auth/sign-out', async (request, reply) => {
    const body = parse(z.object({ refreshToken: token }).strict(), request.body);
    await accounts.signOut(body.refreshToken);
    return reply.code(204).send();
  });

  app.get('/api/account/me', async (request) => signedIn(request, registering));

  const code = z.string().regex(/^\d{8}$/, { message: 'code_invalid' });

  app.post('/api/account/two-factor/start', limit(5, '1 minute'), async (request, reply) => {
    const me = await signedIn(request, registering);
    const body = parse(
      z
        .object({
          phone: z.string().trim().min(3).max(40),
          country: z
            .string()
            .regex(/^[A-Z]{2}$/)
            .default('DE'),
        })
        .strict(),
      request.body,
    );
    await accounts.twoFactor.startEnable(me.id, body.phone, body.country, me.language);
    return reply.code(202).send({ status: 'sent' });
  });

  app.post('/api/account/two-factor/confirm', limit(10, '1 minute'), async (request) => {
    const me = await signedIn(request, registering);
    await accounts.twoFactor.confirmEnable(me.id, parse(z.object({ code }).strict(), request.body).code);
    return { twoFactor: true };
  });

  app.post('/api/account/two-factor/disable', limit(10, '1 minute'), async (request) => {
    const me = await signedIn(request);
    const body = parse(z.object({ password }).strict(), request.body);
    if (!(await accounts.checkPassword(me.id, body.password))) {
      throw new ApiError(401, 'credentials_invalid', 'The password is wrong', [
        { path: 'password', code: 'credentials_invalid' },
      ]);
    }
    await accounts.twoFactor.disable(me.id);
    return { twoFactor: false };
  });

  app.post('/api/auth/two-factor', limit(10, '1 minute'), async (request) => {
    const body = parse(z.object({ challenge: token, code }).strict(), request.body);
    return accounts.signInWithCode(body.challenge, body.code);
  });

  app.post('/api/auth/two-factor/resend', limit(5, '1 minute'), async (request) => {
    const body = parse(z.object({ challenge: token }).strict(), request.body);
    return { challenge: await accounts.twoFactor.resendSignIn(body.challenge) };
  });

  app.post('/api/admin/pin-check', limit(10, '1 minute'), async (request) => {
    const me = await signedIn(request);
    if (me.role !== 'service_admin') throw new ApiError(403, 'forbidden', 'Only support can check PINs');
    const body = parse(
      z.object({ username: z.string().max(40), pin: z.string().regex(/^\d{8}$/, { message: 'pin_invalid' }) }).strict(),
      request.body,
    );
    return { valid: await accounts.checkPin(body.username, body.pin) };
  });
}
