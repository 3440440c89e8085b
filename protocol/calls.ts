/**
 * Video consultations and calls: invitations for patients, redeeming them, socket tickets, ICE servers
 * (HTTP), and the signalling events over socket.io in both directions. See docs/signalling.md.
 */
import { z } from 'zod';
import { emailSchema, instantSchema, languageSchema, practiceLogoSchema, tokenSchema, uuidSchema } from './primitives';
import { route } from './route';

export const iceServerSchema = z.object({
  urls: z.array(z.string().max(500)).max(20),
  username: z.string().max(500).optional(),
  credential: z.string().max(500).optional(),
});
export type IceServer = z.infer<typeof iceServerSchema>;

export const guestInvitationSchema = z.object({
  id: z.string(),
  link: z.string(),
  code: z.string().regex(/^\d{9}$/),
  expiresAt: instantSchema,
});
export type GuestInvitation = z.infer<typeof guestInvitationSchema>;

export const invitationViewSchema = z.object({
  id: z.string(),
  label: z.string(),
  appointmentAt: instantSchema.nullable(),
  expiresAt: instantSchema,
  redeemedAt: instantSchema.nullable(),
  guestName: z.string().nullable(),
});

/** The practice as its patients see it on the guest page: its name, and its phone as the fallback. */
export const guestPracticeSchema = z.object({
  name: z.string().max(200),
  phone: z.string().max(60),
  /** A PNG/JPEG/WebP data URL, '' for none. */
  logo: practiceLogoSchema,
});
export type GuestPractice = z.infer<typeof guestPracticeSchema>;

export const redeemedInvitationSchema = z.object({
  guestToken: tokenSchema,
  practitionerName: z.string(),
  organisationName: z.string().nullable(),
  /** Null until a workstation of the practice has synced its set-up. */
  practice: guestPracticeSchema.nullable(),
  consentRequired: z.boolean(),
  expiresAt: instantSchema,
});
export type RedeemedInvitation = z.infer<typeof redeemedInvitationSchema>;

const timeZone = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'time_zone_invalid');

export const callRoutes = {
  health: route('GET', '/api/health', {
    answer: z.object({ status: z.literal('ok'), version: z.string(), schemaVersion: z.number().int() }),
  }),
  /**
   * Readiness for a load balancer: 200 while this process takes new connections (its database answers),
   * 503 `draining` once it is shutting down or `not_ready` when its database does not answer.
   */
  ready: route('GET', '/api/ready', { answer: z.object({ status: z.literal('ready') }) }),
  createInvitation: route('POST', '/api/calls/invitations', {
    body: z
      .object({
        label: z.string().trim().max(120).default(''),
        appointmentAt: instantSchema.optional(),
        validUntil: instantSchema.optional(),
        email: emailSchema.optional(),
        phone: z.string().trim().min(3).max(40).optional(),
        country: z
          .string()
          .regex(/^[A-Z]{2}$/)
          .optional(),
        language: languageSchema.default('en'),
        timeZone: timeZone.default('UTC'),
      })
      .strict(),
    answer: guestInvitationSchema,
    status: 201,
  }),
  invitations: route('GET', '/api/calls/invitations', { answer: z.array(invitationViewSchema) }),
  revokeInvitation: route('DELETE', '/api/calls/invitations/:id', { params: z.object({ id: uuidSchema }) }),
  ticket: route('POST', '/api/calls/ticket', { answer: z.object({ ticket: tokenSchema, expiresAt: instantSchema }) }),
  /** Patients: the access code from the letter or SMS (spaces allowed), or the token from the link. */
  redeem: route('POST', '/api/guest/redeem', {
    body: z.union([
      z
        .object({
          code: z
            .string()
            .max(40)
            .transform((code) => code.replace(/\s+/g, ''))
            .pipe(z.string().regex(/^\d{9}$/, { message: 'code_invalid' })),
        })
        .strict(),
      z.object({ token: tokenSchema }).strict(),
    ]),
    answer: redeemedInvitationSchema,
  }),
  iceServers: route('GET', '/api/calls/ice-servers', { answer: z.object({ iceServers: z.array(iceServerSchema) }) }),
};

// ---- signalling (socket.io) ------------------------------------------------------------------------

/**
 * What a signalling socket says about itself in its handshake, besides its credentials: `resume`, the call
 * whose peer connections the page still holds; `tab`, the browser tab it comes from, kept across reloads
 * (sessionStorage). A new socket from the same tab replaces the tab's earlier one, even while that one
 * still counts as online on a server process that has died and not yet been found dead: the reloaded
 * page is brought back into its call. Another tab or device of the same peer is a second device and is
 * left alone.
 */
export const TAB_ID = /^[A-Za-z0-9_-]{16,64}$/;
export const handshakeSchema = z.object({
  resume: z.uuid().optional().catch(undefined),
  tab: z.string().regex(TAB_ID).optional().catch(undefined),
});
export type Handshake = z.infer<typeof handshakeSchema>;

export const MAX_MEETING_SIZE = 4;
export const PRESENCE = ['online', 'busy', 'in_call', 'offline'] as const;
export type Presence = (typeof PRESENCE)[number];
export const CALL_KINDS = ['contact', 'group', 'guest'] as const;
/** How a call ended for one side, and which side it was: the call log's words (desktop and server). */
export const CALL_STATUSES = ['answered', 'missed', 'declined', 'busy', 'cancelled'] as const;
export const CALL_DIRECTIONS = ['incoming', 'outgoing'] as const;

const callRef = z.object({ callId: uuidSchema }).strict();
/** A participant as others see it: guests are `guest:<invitation id>`. */
export const peerSchema = z.object({
  id: z.string().max(80),
  name: z.string().max(120),
  kind: z.enum(['account', 'guest']),
});
export type PeerInfo = z.infer<typeof peerSchema>;

/** simple-peer's signal data: an SDP, an ICE candidate, or a renegotiation request. Bounded in size. */
export const signalDataSchema = z
  .object({
    type: z.enum(['offer', 'answer', 'pranswer', 'rollback', 'candidate', 'renegotiate', 'transceiverRequest']),
    sdp: z.string().max(100_000).optional(),
    candidate: z
      .object({
        candidate: z.string().max(2_000),
        sdpMid: z.string().max(64).nullable().optional(),
        sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      })
      .optional(),
    renegotiate: z.boolean().optional(),
    transceiverRequest: z
      .object({
        kind: z.enum(['audio', 'video']),
        init: z.object({ direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional() }).optional(),
      })
      .optional(),
  })
  .strict();
export type SignalPayload = z.infer<typeof signalDataSchema>;

const joined = z.object({ callId: z.string(), peers: z.array(peerSchema) });

/**
 * What a patient's page signals while waiting (its offer, then its candidates as they are gathered): the
 * server holds them with the waiting call and hands them to the practitioner who admits, in the admission's
 * answer — the connection then starts at "Admit" without a round trip to the patient and back (issue 13).
 */
export const MAX_HELD_SIGNALS = 40;
const candidateInit = signalDataSchema.shape.candidate.unwrap();
/** Exactly an offer or a candidate, nothing else beside: bounded in size (an SDP, or 2,000 characters). */
export const heldSignalSchema = z.union([
  z.object({ type: z.literal('offer'), sdp: z.string().min(1).max(100_000) }).strict(),
  z.object({ type: z.literal('candidate'), candidate: candidateInit }).strict(),
]);
export type HeldSignal = z.infer<typeof heldSignalSchema>;
const started = z.object({ callId: z.string(), ringing: z.array(z.string()), busy: z.array(z.string()) });

/**
 * Events a client sends, each with the schema of its payload and of the acknowledgement it gets. An ack is
 * either that answer or `{ error: { code, issues? } }`.
 */
export const clientEvents = {
  'presence:watch': {
    payload: z.object({}).strict(),
    ack: z.object({ statuses: z.record(z.string(), z.enum(PRESENCE)) }),
  },
  'presence:set': {
    payload: z.object({ status: z.enum(['online', 'busy']) }).strict(),
    ack: z.object({ status: z.enum(PRESENCE) }),
  },
  'call:invite': { payload: z.object({ to: uuidSchema }).strict(), ack: started },
  'meeting:create': {
    payload: z
      .object({
        name: z.string().trim().min(1).max(120),
        invitees: z
          .array(uuidSchema)
          .min(1)
          .max(MAX_MEETING_SIZE - 1),
      })
      .strict(),
    ack: started,
  },
  'call:accept': { payload: callRef, ack: joined },
  'call:decline': { payload: callRef, ack: z.object({ declined: z.literal(true) }) },
  'call:cancel': { payload: callRef, ack: z.object({ cancelled: z.literal(true) }) },
  'call:hangup': { payload: callRef, ack: z.object({ ended: z.literal(true) }) },
  'call:admit': {
    payload: callRef,
    ack: joined.extend({ signals: z.array(heldSignalSchema).max(MAX_HELD_SIGNALS).optional() }),
  },
  'call:deny': { payload: callRef, ack: z.object({ denied: z.literal(true) }) },
  'guest:join': {
    payload: z.object({ name: z.string().trim().min(1).max(80), consent: z.boolean() }).strict(),
    ack: z.object({ callId: z.string(), status: z.enum(['waiting', 'ringing', 'active']) }),
  },
  /**
   * Held until the admission (an offer starts afresh: the page reloaded); relayed to the practitioner after.
   * Several at once: candidates come in bursts.
   */
  'guest:signal': {
    payload: z.object({ callId: uuidSchema, signals: z.array(heldSignalSchema).min(1).max(MAX_HELD_SIGNALS) }).strict(),
    ack: z.object({ status: z.enum(['held', 'relayed']) }),
  },
  signal: {
    payload: z.object({ callId: uuidSchema, to: z.string().max(80), data: signalDataSchema }).strict(),
    ack: z.object({ relayed: z.literal(true) }),
  },
} as const;
export type ClientEventName = keyof typeof clientEvents;
export type ClientPayload<E extends ClientEventName> = z.input<(typeof clientEvents)[E]['payload']>;
export type ClientAck<E extends ClientEventName> = z.output<(typeof clientEvents)[E]['ack']>;

export const ackErrorSchema = z.object({
  error: z.object({
    code: z.string().max(100),
    issues: z.array(z.object({ path: z.string(), code: z.string() })).optional(),
  }),
});

/** Events the server sends, each with the schema every receiver checks before using it. */
export const serverEvents = {
  /** The practice's data changed on the server (another device pushed): pull after `cursor`. */
  'sync:changed': z.object({ cursor: z.number().int() }),
  presence: z.object({ id: z.string(), status: z.enum(PRESENCE) }),
  'call:incoming': z.object({
    callId: z.string(),
    kind: z.enum(['contact', 'group']),
    name: z.string(),
    from: peerSchema,
  }),
  'call:missed': z.object({ callId: z.string(), from: peerSchema }),
  'call:no-answer': z.object({ callId: z.string(), peerId: z.string() }),
  'call:answered-elsewhere': z.object({ callId: z.string() }),
  'call:cancelled': z.object({ callId: z.string() }),
  'call:declined': z.object({ callId: z.string(), peerId: z.string() }),
  'call:knock': z.object({ callId: z.string(), guest: peerSchema }),
  'call:knock-withdrawn': z.object({ callId: z.string() }),
  'call:peer-joined': z.object({ callId: z.string(), peer: peerSchema, rejoin: z.boolean().optional() }),
  'call:peer-left': z.object({ callId: z.string(), peerId: z.string() }),
  'call:ended': z.object({ callId: z.string() }),
  'call:denied': z.object({ callId: z.string() }),
  'call:rejoin': z.object({ callId: z.string(), kind: z.enum(CALL_KINDS), peers: z.array(peerSchema) }),
  signal: z.object({ callId: z.string(), from: z.string(), data: signalDataSchema }),
  /** A client's event was refused: its name, and why. */
  'error:event': z.object({
    event: z.string(),
    code: z.string(),
    issues: z.array(z.object({ path: z.string(), code: z.string() })).optional(),
  }),
} as const;
export type ServerEventName = keyof typeof serverEvents;
export type ServerPayload<E extends ServerEventName> = z.output<(typeof serverEvents)[E]>;
