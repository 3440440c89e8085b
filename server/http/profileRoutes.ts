/** The signed-in user's own account: profile, password, settings, contract, and upgrading to an organisation. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountService } from '../accounts/accountService';
import type { ContractService } from '../accounts/contractService';
import { preferencesSchema, type ProfileService } from '../accounts/profileService';
import type { OrganisationService } from '../organisations/organisationService';
import { MAIL_LANGUAGES } from '../mail/mailTexts';
import { ApiError } from './apiError';
import { limit, parse, password } from './accountRoutes';
import type { Guard } from './auth';

const text = (max: number) => z.string().trim().max(max, { message: 'too_long' });

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

  app.get('/api/account/profile', async (request) => profiles.profile((await signedIn(request)).id));

  app.patch('/api/account/profile', async (request) => {
    const me = await signedIn(request);
    const body = parse(
      z
        .object({
          address: text(200).optional(),
          postcode: text(20).optional(),
          city: text(100).optional(),
          country: z
            .string()
            .regex(/^([A-Z]{2})?$/, { message: 'country_invalid' })
            .optional(),
          phone: text(40).optional(),
        })
        .strict(),
      request.body,
    );
    return profiles.updateProfile(me.id, body);
  });

  app.post('/api/account/password', limit(10, '1 minute'), async (request) => {
    const me = await signedIn(request);
    const body = parse(z.object({ current: password, password, repeat: password }).strict(), request.body);
    return profiles.changePassword(me.id, body);
  });

  // Settings are also the wizard's visibility step, so they work during registration.
  app.get('/api/account/settings', async (request) =>
    profiles.settings((await signedIn(request, { registering: true })).id),
  );

  app.patch('/api/account/settings', async (request) => {
    const me = await signedIn(request, { registering: true });
    const body = parse(
      preferencesSchema
        .partial()
        .extend({ language: z.enum(MAIL_LANGUAGES).optional(), searchable: z.boolean().optional() })
        .strict(),
      request.body,
    );
    // zod's .partial() keeps the defaults: drop the keys the caller did not send.
    const given = typeof request.body === 'object' && request.body !== null ? request.body : {};
    const sent = Object.fromEntries(Object.entries(body).filter(([key]) => key in given)) as Partial<typeof body>;
    return profiles.updateSettings(me.id, sent);
  });

  app.get('/api/account/contract', async (request) => contracts.contract((await signedIn(request)).id));

  app.post('/api/account/contract/cancel', limit(10, '1 minute'), async (request) => {
    const me = await signedIn(request);
    const body = parse(z.object({ password, endAt: z.number().int().min(0).optional() }).strict(), request.body);
    if (!(await accounts.checkPassword(me.id, body.password)))
      throw new ApiError(401, 'credentials_invalid', 'The password is wrong', [
        { path: 'password', code: 'credentials_invalid' },
      ]);
    return contracts.cancel(me.id, body.endAt);
  });

  app.delete('/api/account/contract/cancel', async (request) => contracts.withdraw((await signedIn(request)).id));

  app.post('/api/account/organisation', limit(10, '1 minute'), async (request, reply) => {
    const me = await signedIn(request);
    const body = parse(z.object({ name: text(120).min(1, { message: 'required' }) }).strict(), request.body);
    return reply.code(201).send(await organisations.upgrade(me, body.name));
  });
}
