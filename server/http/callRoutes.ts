/**
 * Video-consultation routes (protocol/calls.ts): invitations for patients (practitioners), redeeming one
 * (patients, no account), socket tickets for the desktop, and the ICE servers (STUN/TURN) for both.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callRoutes as routes } from '../../protocol/calls';
import type { IceConfig } from '../calls/iceServers';
import { iceServersFor } from '../calls/iceServers';
import type { InvitationService } from '../calls/invitationService';
import type { Signalling } from '../calls/signalling';
import { ApiError } from './apiError';
import { limit } from './accountRoutes';
import type { Guard } from './auth';
import type { Profile } from '../accounts/accountService';
import { serve } from './serve';

export function registerCallRoutes(
  app: FastifyInstance,
  deps: {
    invitations: InvitationService;
    signalling: Signalling;
    ice: IceConfig;
    now: () => number;
    /** The subscription's gate: inviting a patient needs a running trial or subscription. */
    requireUsable: (profile: Profile) => Promise<void>;
  },
  signedIn: Guard,
): void {
  const { invitations, signalling } = deps;

  serve(
    app,
    routes.createInvitation,
    async ({ request, body }) => {
      const profile = await signedIn(request);
      await deps.requireUsable(profile);
      return invitations.create(profile, body);
    },
    limit(60, '1 minute'),
  );
  serve(app, routes.invitations, async ({ request }) => invitations.list(await signedIn(request)));
  serve(app, routes.revokeInvitation, async ({ request, params }) => {
    await invitations.revoke(await signedIn(request), params.id);
    signalling.disconnectPeer(`guest:${params.id}`); // a revoked invitation's patient leaves at once
  });
  serve(
    app,
    routes.ticket,
    async ({ request }) => signalling.issueTicket(await signedIn(request)),
    limit(60, '1 minute'),
  );

  // Patients: the code from the letter or SMS, or the token from the link. Wrong codes slow the address.
  serve(app, routes.redeem, ({ request, body }) => invitations.redeem(body, request.ip), limit(30, '1 minute'));

  const caller = async (request: FastifyRequest): Promise<string> => {
    const guest = /^Guest ([A-Za-z0-9_-]{20,100})$/.exec(request.headers.authorization ?? '');
    if (guest) {
      const found = await invitations.guest(guest[1]!);
      if (!found) throw new ApiError(401, 'unauthorized', 'This invitation is no longer valid');
      return `guest-${found.invitationId}`;
    }
    return (await signedIn(request)).id;
  };

  serve(app, routes.iceServers, async ({ request }) => ({
    iceServers: iceServersFor(deps.ice, await caller(request), deps.now()),
  }));
}
