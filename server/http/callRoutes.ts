/**
 * Video-consultation routes: invitations for patients (practitioners), redeeming one (patients, no account),
 * socket tickets for the desktop, and the ICE servers (STUN/TURN) for both.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IceConfig } from '../calls/iceServers';
import { iceServersFor } from '../calls/iceServers';
import type { InvitationService } from '../calls/invitationService';
import type { Signalling } from '../calls/signalling';
import { MAIL_LANGUAGES } from '../mail/mailTexts';
import { ApiError } from './apiError';
import { email, limit, parse } from './accountRoutes';
import type { Guard } from './auth';

const instant = z.number().int().min(0).max(7_258_118_400_000);

export function registerCallRoutes(
  app: FastifyInstance,
  deps: { invitations: InvitationService; signalling: Signalling; ice: IceConfig; now: () => number },
  signedIn: Guard,
): void {
  const { invitations, signalling } = deps;

  app.post('/api/calls/invitations', limit(60, '1 minute'), async (request, reply) => {
    const me = await signedIn(request);
    const body = parse(
      z
        .object({
          label: z.string().trim().max(120).default(''),
          appointmentAt: instant.optional(),
          validUntil: instant.optional(),
          email: email.optional(),
          phone: z.string().trim().min(3).max(40).optional(),
          country: z
            .string()
            .regex(/^[A-Z]{2}$/)
            .optional(),
          language: z.enum(MAIL_LANGUAGES).default('en'),
          timeZone: z
            .string()
            .max(64)
            .refine((zone) => {
              try {
                new Intl.DateTimeFormat('en', { timeZone: zone });
                return true;
              } catch {
                return false;
              }
            }, 'time_zone_invalid')
            .default('UTC'),
        })
        .strict(),
      request.body,
    );
    return reply.code(201).send(await invitations.create(me, body));
  });

  app.get('/api/calls/invitations', async (request) => invitations.list(await signedIn(request)));

  app.delete<{ Params: { id: string } }>('/api/calls/invitations/:id', async (request, reply) => {
    const id = parse(z.uuid({ message: 'id_invalid' }), request.params.id);
    await invitations.revoke(await signedIn(request), id);
    signalling.disconnectPeer(`guest:${id}`); // a revoked invitation's patient leaves at once
    return reply.code(204).send();
  });

  app.post('/api/calls/ticket', limit(60, '1 minute'), async (request) =>
    signalling.issueTicket(await signedIn(request)),
  );

  // Patients: the code from the letter or SMS, or the token from the link. Wrong codes lock the address.
  app.post('/api/guest/redeem', limit(30, '1 minute'), async (request) => {
    const body = parse(
      z.union([
        z.object({ code: z.string().regex(/^\d{9}$/, { message: 'code_invalid' }) }).strict(),
        z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{40,64}$/, { message: 'token_invalid' }) }).strict(),
      ]),
      typeof request.body === 'object' && request.body !== null && 'code' in request.body
        ? { code: String((request.body as { code: unknown }).code).replace(/\s+/g, '') }
        : request.body,
    );
    return invitations.redeem(body, request.ip);
  });

  const caller = async (request: FastifyRequest): Promise<string> => {
    const guest = /^Guest ([A-Za-z0-9_-]{20,100})$/.exec(request.headers.authorization ?? '');
    if (guest) {
      const found = await invitations.guest(guest[1]!);
      if (!found) throw new ApiError(401, 'unauthorized', 'This invitation is no longer valid');
      return `guest-${found.invitationId}`;
    }
    return (await signedIn(request)).id;
  };

  app.get('/api/calls/ice-servers', async (request) => ({
    iceServers: iceServersFor(deps.ice, await caller(request), deps.now()),
  }));
}
