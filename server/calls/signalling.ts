/**
 * Signalling over socket.io: presence, the call lifecycle (invite → ringing → accepted / declined / busy /
 * missed after 45 s / cancelled → ended), guests knocking and being admitted, group meetings (a mesh of up
 * to four), and the relay of offers, answers and ICE candidates — only between participants of one call.
 * Media and chat never pass here: they go peer-to-peer.
 *
 * Every event has a schema; a malformed one gets an `error:event` and changes nothing. Call state lives in
 * memory (one process); call records (metadata) are written when a call that connected ends.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Server, Socket } from 'socket.io';
import { practiceOf } from '../sync/syncService';
import type { ServerDatabase } from '../db/schema';
import type { z } from 'zod';
import {
  clientEvents,
  MAX_MEETING_SIZE,
  type ClientEventName,
  type ServerEventName,
  type ServerPayload,
  type SignalPayload,
} from '../../protocol/calls';
import type { AccountService, Profile } from '../accounts/accountService';
import type { ContactService } from '../contacts/contactService';
import { hashToken, newToken } from '../accounts/secrets';
import { ApiError } from '../http/apiError';
import type { CallRecords } from './callRecords';
import type { Guest, InvitationService } from './invitationService';

export const RING_TIMEOUT_MS = 45_000;
/** A peer whose last socket dropped keeps its place this long (reload, network change). */
export const REJOIN_GRACE_MS = 30_000;
export { MAX_MEETING_SIZE };
export const TICKET_LIFETIME_MS = 60_000;

type Status = 'online' | 'busy' | 'in_call' | 'offline';

interface Peer {
  id: string;
  kind: 'account' | 'guest';
  name: string;
  organisationId: string | null;
  profile?: Profile;
  guest?: Guest;
}

interface Call {
  id: string;
  kind: 'contact' | 'group' | 'guest';
  name: string;
  hostId: string;
  organisationId: string | null;
  state: 'ringing' | 'waiting' | 'active';
  participants: Map<string, Peer>;
  invited: Map<string, Peer>;
  /** Everyone who ever joined (for the call record). */
  joined: Set<string>;
  invitations: number;
  startedAt: number | null;
  timers: Map<string, NodeJS.Timeout>;
}

const schemas = Object.fromEntries(Object.entries(clientEvents).map(([name, { payload }]) => [name, payload])) as {
  [E in ClientEventName]: (typeof clientEvents)[E]['payload'];
};
type EventName = ClientEventName;
/** A client's event with its payload as the protocol's schema parsed it. */
type Message = { [E in EventName]: { event: E; data: z.output<(typeof clientEvents)[E]['payload']> } }[EventName];

/** Bounds checked before any schema looks at a payload: deep nesting must not reach a recursive walker. */
export const MAX_PAYLOAD_DEPTH = 8;
export const MAX_PAYLOAD_NODES = 2_000;

/** Whether a payload stays within the bounds, walked without recursion. */
export function withinBounds(payload: unknown): boolean {
  const stack: [unknown, number][] = [[payload, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    nodes += 1;
    if (depth >= MAX_PAYLOAD_DEPTH || nodes > MAX_PAYLOAD_NODES) return false;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return true;
}

type Ack = (answer: unknown) => void;

export interface SignallingDeps {
  db: Kysely<ServerDatabase>;
  accounts: AccountService;
  contacts: ContactService;
  invitations: InvitationService;
  callRecords: CallRecords;
  now: () => number;
  log: (message: string, details?: object) => void;
  /** Shorter in tests; RING_TIMEOUT_MS and REJOIN_GRACE_MS otherwise. */
  timing?: { ringMs: number; graceMs: number };
  /**
   * Video consultations and hosted meetings (issues 11, 12): whether the host may start one now (a running
   * trial or subscription, minutes left), and the metering of connected calls.
   */
  video?: {
    mayStart(profile: Profile): Promise<void>;
    connected(call: {
      id: string;
      hostId: string;
      organisationId: string | null;
      kind: 'guest' | 'group';
    }): Promise<void>;
    ended(callId: string): Promise<void>;
  };
}

export class Signalling {
  private readonly calls = new Map<string, Call>();
  /** Open sockets per peer (a peer may have several: two windows, a reload in progress). */
  private readonly sockets = new Map<string, Set<string>>();
  private readonly dnd = new Set<string>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly io: Server,
    private readonly deps: SignallingDeps,
  ) {
    io.use((socket, next) => {
      this.authenticate(socket.handshake.auth as Record<string, unknown>)
        .then((peer) => {
          if (!peer) return next(new Error('unauthorized'));
          (socket.data as { peer: Peer }).peer = peer;
          next();
        })
        .catch(() => next(new Error('unauthorized')));
    });
    io.on('connection', (socket) => this.connected(socket));
    deps.accounts.onSessionsRevoked((accountId) => this.disconnectPeer(accountId));
  }

  /**
   * A single-use ticket (60 s) that opens one socket: the desktop's renderer asks the main process, which
   * holds the session, for one per connection, so the access token never reaches the renderer. Tickets live
   * in the database: any server process can take one, and only once (a conditional delete decides).
   */
  async issueTicket(profile: Profile): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = newToken();
    const expiresAt = this.deps.now() + TICKET_LIFETIME_MS;
    await this.deps.db
      .insertInto('socket_tickets')
      .values({ hash: hashToken(ticket), account_id: profile.id, expires_at: expiresAt })
      .execute();
    return { ticket, expiresAt };
  }

  /** Expired tickets go with the housekeeping. */
  async purgeTickets(): Promise<number> {
    const result = await this.deps.db
      .deleteFrom('socket_tickets')
      .where('expires_at', '<=', this.deps.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async authenticate(auth: Record<string, unknown>): Promise<Peer | null> {
    if (typeof auth.ticket === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(auth.ticket)) {
      const entry = await this.deps.db
        .deleteFrom('socket_tickets')
        .where('hash', '=', hashToken(auth.ticket))
        .returning(['account_id', 'expires_at'])
        .executeTakeFirst();
      if (!entry || entry.expires_at <= this.deps.now()) return null;
      return this.accountPeer(await this.deps.accounts.profileOf(entry.account_id));
    }
    if (typeof auth.token === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(auth.token)) {
      return this.accountPeer(await this.deps.accounts.authenticate(auth.token));
    }
    if (typeof auth.guest === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(auth.guest)) {
      const guest = await this.deps.invitations.guest(auth.guest);
      if (!guest) return null;
      return {
        id: `guest:${guest.invitationId}`,
        kind: 'guest',
        name: guest.name ?? '',
        organisationId: guest.organisationId,
        guest,
      };
    }
    return null;
  }

  private accountPeer(profile: Profile | null): Peer | null {
    if (!profile || !profile.registered || !profile.licence) return null;
    return {
      id: profile.id,
      kind: 'account',
      name: profile.name || profile.username || '',
      organisationId: profile.organisationId,
      profile,
    };
  }

  // ---- presence -------------------------------------------------------------------------------

  status(peerId: string): Status {
    if (!this.sockets.get(peerId)?.size) return 'offline';
    if (this.activeCallOf(peerId)) return 'in_call';
    return this.dnd.has(peerId) ? 'busy' : 'online';
  }

  private announce(peerId: string): void {
    if (peerId.startsWith('guest:')) return;
    this.io.to(`watch:${peerId}`).emit('presence', { id: peerId, status: this.status(peerId) });
  }

  // ---- connections ----------------------------------------------------------------------------

  private connected(socket: Socket): void {
    const peer = (socket.data as { peer: Peer }).peer;
    const first = !this.sockets.get(peer.id)?.size;
    if (!this.sockets.has(peer.id)) this.sockets.set(peer.id, new Set());
    this.sockets.get(peer.id)!.add(socket.id);
    void socket.join(`peer:${peer.id}`);
    // The practice's devices hear of its changes (sync) through this room.
    if (peer.kind === 'account')
      void socket.join(`practice:${practiceOf({ id: peer.id, organisationId: peer.organisationId })}`);
    clearTimeout(this.graceTimers.get(peer.id));
    this.graceTimers.delete(peer.id);

    for (const event of Object.keys(schemas) as EventName[]) {
      socket.on(event, (payload: unknown, ack?: unknown) => void this.handle(socket, peer, event, payload, ack));
    }
    // An event nobody handles is answered, not dropped in silence: the client learns its mistake.
    socket.onAny((event: unknown, ...rest: unknown[]) => {
      if (typeof event === 'string' && event in schemas) return;
      const name = typeof event === 'string' ? event.slice(0, 64) : '';
      socket.emit('error:event', { event: name, code: 'unknown_event' });
      const ack = rest.at(-1);
      if (typeof ack === 'function') (ack as Ack)({ error: { code: 'unknown_event' } });
    });
    socket.on('disconnect', () => this.disconnected(socket, peer));

    // A recovered connection (a short drop) kept its rooms and its peer connection: nothing to redo. A
    // second device of a peer that is still connected must not tear down the call of the first.
    if (!socket.recovered && first) this.rejoin(socket, peer);
    if (!socket.recovered) this.pendingKnocks(socket, peer);
    if (first) this.announce(peer.id);
  }

  /** A reload: back into the call it was in; the others open a fresh connection to it. */
  private rejoin(socket: Socket, peer: Peer): void {
    const call = this.activeCallOf(peer.id) ?? this.waitingCallOf(peer.id);
    if (call && call.participants.has(peer.id)) {
      socket.emit('call:rejoin', { callId: call.id, kind: call.kind, peers: this.others(call, peer.id) });
      // The others start a fresh connection to it (its old one went with the page).
      for (const other of call.participants.keys()) {
        if (other !== peer.id)
          this.toPeer(other, 'call:peer-joined', { callId: call.id, peer: this.describe(peer), rejoin: true });
      }
    }
  }

  /** Patients who knocked while the host was away (or on another device) are shown on this one too. */
  private pendingKnocks(socket: Socket, peer: Peer): void {
    if (peer.kind !== 'account') return;
    for (const waiting of this.calls.values()) {
      const guest = [...waiting.participants.values()][0];
      if (waiting.kind === 'guest' && waiting.state === 'waiting' && waiting.hostId === peer.id && guest)
        socket.emit('call:knock', { callId: waiting.id, guest: this.describe(guest) });
    }
  }

  private disconnected(socket: Socket, peer: Peer): void {
    const set = this.sockets.get(peer.id);
    set?.delete(socket.id);
    if (set?.size) return;
    this.announce(peer.id);
    // Give a reload or a network change time to come back before leaving calls.
    this.graceTimers.set(
      peer.id,
      setTimeout(() => {
        this.graceTimers.delete(peer.id);
        if (this.sockets.get(peer.id)?.size) return;
        this.sockets.delete(peer.id);
        this.dnd.delete(peer.id);
        for (const call of [...this.calls.values()]) {
          if (call.participants.has(peer.id)) this.leave(call, peer.id);
        }
      }, this.deps.timing?.graceMs ?? REJOIN_GRACE_MS),
    );
  }

  /** A revoked session (licence off, account deleted, sign-out) loses its sockets and tickets at once. */
  disconnectPeer(peerId: string): void {
    if (!peerId.startsWith('guest:'))
      void this.deps.db
        .deleteFrom('socket_tickets')
        .where('account_id', '=', peerId)
        .execute()
        .catch((error: unknown) => this.deps.log('ticket revocation failed', { err: error }));
    this.io.in(`peer:${peerId}`).disconnectSockets(true);
  }

  // ---- events ---------------------------------------------------------------------------------

  private async handle(socket: Socket, peer: Peer, event: EventName, payload: unknown, ack: unknown): Promise<void> {
    const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => {};
    if (!withinBounds(payload)) {
      socket.emit('error:event', { event, code: 'payload_too_large' });
      reply({ error: { code: 'payload_too_large' } });
      return;
    }
    const parsed = schemas[event].safeParse(payload ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
      socket.emit('error:event', { event, code: 'bad_request', issues });
      reply({ error: { code: 'bad_request', issues } });
      return;
    }
    try {
      // The event's name and its parsed payload travel together, so each case below sees its own type.
      reply(await this.dispatch(socket, peer, { event, data: parsed.data } as Message));
    } catch (error) {
      if (error instanceof ApiError) {
        socket.emit('error:event', { event, code: error.code });
        reply({ error: { code: error.code } });
        return;
      }
      this.deps.log('signalling event failed', { event, err: error });
      reply({ error: { code: 'internal' } });
    }
  }

  private async dispatch(socket: Socket, peer: Peer, message: Message): Promise<unknown> {
    const { event } = message;
    if (peer.kind === 'guest' && event !== 'guest:join' && event !== 'call:hangup' && event !== 'signal')
      throw new ApiError(403, 'forbidden', 'Guests can only join their own consultation');
    switch (message.event) {
      case 'presence:watch':
        return this.watch(socket, peer);
      case 'presence:set':
        if (message.data.status === 'busy') this.dnd.add(peer.id);
        else this.dnd.delete(peer.id);
        this.announce(peer.id);
        return { status: this.status(peer.id) };
      case 'call:invite':
        return this.invite(peer, [message.data.to], 'contact', '');
      case 'meeting:create':
        if (peer.profile) await this.deps.video?.mayStart(peer.profile);
        return this.invite(peer, message.data.invitees, 'group', message.data.name);
      case 'call:accept':
      case 'call:decline': {
        const { callId } = message.data;
        const answer = message.event === 'call:accept' ? this.accept(peer, callId) : this.decline(peer, callId);
        // The user's other devices stop ringing.
        socket.to(`peer:${peer.id}`).emit('call:answered-elsewhere', { callId });
        return answer;
      }
      case 'call:cancel':
        return this.cancel(peer, message.data.callId);
      case 'call:hangup': {
        const call = this.participantCall(peer.id, message.data.callId);
        this.leave(call, peer.id);
        return { ended: true };
      }
      case 'call:admit':
        return this.admit(peer, message.data.callId);
      case 'call:deny':
        return this.deny(peer, message.data.callId);
      case 'guest:join':
        if (peer.kind !== 'guest') throw new ApiError(403, 'forbidden', 'Only patients join as guests');
        return this.guestJoin(peer, message.data.name, message.data.consent);
      case 'signal':
        return this.relay(peer, message.data.callId, message.data.to, message.data.data);
    }
  }

  private async watch(socket: Socket, peer: Peer) {
    const contacts = await this.deps.contacts.list(peer.profile!);
    for (const contact of contacts) void socket.join(`watch:${contact.id}`);
    return { statuses: Object.fromEntries(contacts.map((c) => [c.id, this.status(c.id)])) };
  }

  // ---- the call lifecycle ---------------------------------------------------------------------

  private activeCallOf(peerId: string): Call | undefined {
    for (const call of this.calls.values()) {
      if (call.state === 'active' && call.participants.has(peerId)) return call;
    }
    return undefined;
  }

  private waitingCallOf(peerId: string): Call | undefined {
    for (const call of this.calls.values()) if (call.participants.has(peerId)) return call;
    return undefined;
  }

  /** In a call, ringing out, or being rung: not free for another call. */
  private engaged(peerId: string): boolean {
    for (const call of this.calls.values()) {
      if (call.kind === 'guest' && call.state === 'waiting') continue; // a knock does not make a host busy
      if (call.participants.has(peerId) || call.invited.has(peerId)) return true;
    }
    return false;
  }

  private describe(peer: Peer) {
    return { id: peer.id, name: peer.name, kind: peer.kind };
  }

  private others(call: Call, peerId: string) {
    return [...call.participants.values()].filter((p) => p.id !== peerId).map((p) => this.describe(p));
  }

  private toPeer<E extends ServerEventName>(peerId: string, event: E, payload: ServerPayload<E>): void {
    this.io.to(`peer:${peerId}`).emit(event, payload);
  }

  private participantCall(peerId: string, callId: string): Call {
    const call = this.calls.get(callId);
    if (!call || !call.participants.has(peerId)) throw new ApiError(404, 'not_participant', 'Not in this call');
    return call;
  }

  private async invite(caller: Peer, to: string[], kind: 'contact' | 'group', name: string) {
    if (this.engaged(caller.id)) throw new ApiError(409, 'already_in_call', 'You are already in a call');
    const reachable = new Map((await this.deps.contacts.list(caller.profile!)).map((c) => [c.id, c]));
    // Checked again after the await: two invites at once must not put the caller into two calls.
    if (this.engaged(caller.id)) throw new ApiError(409, 'already_in_call', 'You are already in a call');
    const invitees = [...new Set(to)].filter((peerId) => peerId !== caller.id);
    if (invitees.some((peerId) => !reachable.has(peerId))) throw new ApiError(404, 'not_found', 'Not a contact');
    const free = invitees.filter((peerId) => this.status(peerId) === 'online' && !this.engaged(peerId));
    if (free.length === 0) {
      const offline = invitees.every((peerId) => this.status(peerId) === 'offline');
      throw new ApiError(409, offline ? 'unavailable' : 'busy', offline ? 'Not signed in' : 'Busy');
    }
    const call: Call = {
      id: randomUUID(),
      kind,
      name,
      hostId: caller.id,
      organisationId: caller.organisationId,
      state: 'ringing',
      participants: new Map([[caller.id, caller]]),
      invited: new Map(),
      joined: new Set([caller.id]),
      invitations: invitees.length,
      startedAt: null,
      timers: new Map(),
    };
    this.calls.set(call.id, call);
    for (const peerId of free) {
      const contact = reachable.get(peerId)!;
      call.invited.set(peerId, {
        id: peerId,
        kind: 'account',
        name: contact.name || contact.username,
        organisationId: null,
      });
      this.toPeer(peerId, 'call:incoming', { callId: call.id, kind, name, from: this.describe(caller) });
      call.timers.set(
        peerId,
        setTimeout(() => this.missed(call, peerId), this.deps.timing?.ringMs ?? RING_TIMEOUT_MS),
      );
      this.announce(peerId);
    }
    this.announce(caller.id);
    return { callId: call.id, ringing: free, busy: invitees.filter((p) => !free.includes(p)) };
  }

  private missed(call: Call, peerId: string): void {
    if (!call.invited.delete(peerId)) return;
    call.timers.delete(peerId);
    this.toPeer(peerId, 'call:missed', {
      callId: call.id,
      from: this.describe(
        call.participants.get(call.hostId) ?? { id: call.hostId, kind: 'account', name: '', organisationId: null },
      ),
    });
    for (const other of call.participants.keys()) this.toPeer(other, 'call:no-answer', { callId: call.id, peerId });
    this.announce(peerId);
    this.settle(call);
  }

  private invitedCall(peerId: string, callId: string): Call {
    const call = this.calls.get(callId);
    if (!call || !call.invited.has(peerId)) throw new ApiError(404, 'not_invited', 'No such call for you');
    return call;
  }

  private accept(peer: Peer, callId: string) {
    const call = this.invitedCall(peer.id, callId);
    if (call.participants.size >= MAX_MEETING_SIZE) throw new ApiError(409, 'call_full', 'The meeting is full');
    clearTimeout(call.timers.get(peer.id));
    call.timers.delete(peer.id);
    call.invited.delete(peer.id);
    this.join(call, peer);
    return { callId, peers: this.others(call, peer.id) };
  }

  /** A peer joins: those already in the call start the peer connections to it. */
  private join(call: Call, peer: Peer): void {
    call.state = 'active';
    if (call.startedAt === null) {
      call.startedAt = this.deps.now();
      // Connected: metered from now (consultations and meetings; a colleague's call is not).
      if (call.kind !== 'contact')
        void this.deps.video
          ?.connected({ id: call.id, hostId: call.hostId, organisationId: call.organisationId, kind: call.kind })
          .catch((error: unknown) => this.deps.log('video session failed', { err: error }));
    }
    for (const other of call.participants.keys()) {
      this.toPeer(other, 'call:peer-joined', { callId: call.id, peer: this.describe(peer) });
    }
    call.participants.set(peer.id, peer);
    call.joined.add(peer.id);
    for (const p of call.participants.keys()) this.announce(p);
  }

  private decline(peer: Peer, callId: string) {
    const call = this.invitedCall(peer.id, callId);
    clearTimeout(call.timers.get(peer.id));
    call.timers.delete(peer.id);
    call.invited.delete(peer.id);
    for (const other of call.participants.keys()) this.toPeer(other, 'call:declined', { callId, peerId: peer.id });
    this.announce(peer.id);
    this.settle(call);
    return { declined: true };
  }

  private cancel(peer: Peer, callId: string) {
    const call = this.participantCall(peer.id, callId);
    if (call.hostId !== peer.id || call.state !== 'ringing') throw new ApiError(409, 'not_ringing', 'Not ringing');
    for (const invitee of call.invited.keys()) this.toPeer(invitee, 'call:cancelled', { callId });
    this.end(call);
    return { cancelled: true };
  }

  /** A participant leaves; a call with fewer than two participants (and nobody ringing) ends. */
  private leave(call: Call, peerId: string): void {
    if (!call.participants.delete(peerId)) return;
    for (const other of call.participants.keys()) this.toPeer(other, 'call:peer-left', { callId: call.id, peerId });
    this.announce(peerId);
    if (call.state === 'ringing' && peerId === call.hostId) {
      for (const invitee of call.invited.keys()) this.toPeer(invitee, 'call:cancelled', { callId: call.id });
      this.end(call);
      return;
    }
    this.settle(call);
  }

  private settle(call: Call): void {
    if (call.invited.size > 0) return;
    // A patient who left the waiting room: the knock is withdrawn.
    if (call.kind === 'guest' && call.state === 'waiting') {
      if (call.participants.size === 0) {
        this.toPeer(call.hostId, 'call:knock-withdrawn', { callId: call.id });
        this.end(call);
      }
      return;
    }
    if (call.participants.size < 2) {
      for (const rest of call.participants.keys()) this.toPeer(rest, 'call:ended', { callId: call.id });
      this.end(call);
    }
  }

  private end(call: Call): void {
    if (!this.calls.delete(call.id)) return;
    for (const timer of call.timers.values()) clearTimeout(timer);
    const everyone = [...call.participants.keys(), ...call.invited.keys(), ...call.joined];
    for (const peerId of new Set(everyone)) this.announce(peerId);
    if (call.startedAt === null) return;
    if (call.kind !== 'contact')
      void this.deps.video
        ?.ended(call.id)
        .catch((error: unknown) => this.deps.log('video session end failed', { err: error }));
    // A consultation that took place ends its invitation: the patient cannot knock again with it.
    for (const peerId of call.joined) {
      if (!peerId.startsWith('guest:')) continue;
      const invitationId = peerId.slice('guest:'.length);
      void this.deps.invitations
        .end(invitationId)
        .then(() => this.disconnectPeer(peerId))
        .catch((error: unknown) => this.deps.log('invitation end failed', { err: error }));
    }
    const accounts = [...call.joined].filter((peerId) => !peerId.startsWith('guest:'));
    void this.deps.callRecords
      .add({
        organisationId: call.organisationId,
        kind: call.kind,
        name: call.name,
        initiatorId: call.hostId,
        participantIds: accounts,
        startedAt: call.startedAt,
        endedAt: this.deps.now(),
        invitations: call.invitations,
      })
      .catch((error: unknown) => this.deps.log('call record failed', { err: error }));
  }

  // ---- guests ---------------------------------------------------------------------------------

  private async guestJoin(peer: Peer, name: string, consent: boolean) {
    peer.guest = await this.deps.invitations.join(peer.guest!, name, consent);
    peer.name = name;
    const existing = this.waitingCallOf(peer.id);
    if (existing) return { callId: existing.id, status: existing.state };
    const call: Call = {
      id: randomUUID(),
      kind: 'guest',
      name: '',
      hostId: peer.guest.hostId,
      organisationId: peer.organisationId,
      state: 'waiting',
      participants: new Map([[peer.id, peer]]),
      invited: new Map(),
      joined: new Set([peer.id]),
      invitations: 1,
      startedAt: null,
      timers: new Map(),
    };
    this.calls.set(call.id, call);
    this.toPeer(call.hostId, 'call:knock', { callId: call.id, guest: this.describe(peer) });
    return { callId: call.id, status: 'waiting' };
  }

  private hostedWaiting(peer: Peer, callId: string): Call {
    const call = this.calls.get(callId);
    if (!call || call.kind !== 'guest' || call.hostId !== peer.id || call.state !== 'waiting')
      throw new ApiError(404, 'not_found', 'No such guest waiting');
    return call;
  }

  private async admit(peer: Peer, callId: string) {
    this.hostedWaiting(peer, callId);
    if (this.activeCallOf(peer.id)) throw new ApiError(409, 'already_in_call', 'Hang up the current call first');
    // Admitting the patient starts the consultation: checked now, and again after the await.
    if (peer.profile) await this.deps.video?.mayStart(peer.profile);
    const call = this.hostedWaiting(peer, callId);
    if (this.activeCallOf(peer.id)) throw new ApiError(409, 'already_in_call', 'Hang up the current call first');
    this.join(call, peer);
    return { callId, peers: this.others(call, peer.id) };
  }

  private deny(peer: Peer, callId: string) {
    const call = this.hostedWaiting(peer, callId);
    for (const guest of call.participants.keys()) this.toPeer(guest, 'call:denied', { callId });
    this.end(call);
    return { denied: true };
  }

  // ---- relay ----------------------------------------------------------------------------------

  private relay(peer: Peer, callId: string, to: string, data: SignalPayload) {
    const call = this.calls.get(callId);
    if (!call || call.state !== 'active' || !call.participants.has(peer.id) || !call.participants.has(to))
      throw new ApiError(403, 'not_participant', 'Signals go only between participants of one call');
    this.toPeer(to, 'signal', { callId, from: peer.id, data });
    return { relayed: true };
  }

  /** The metered calls in progress in this process (touched each minute). */
  meteredCallIds(): string[] {
    return [...this.calls.values()].filter((c) => c.startedAt !== null && c.kind !== 'contact').map((c) => c.id);
  }

  /** For tests and housekeeping: the calls in progress. */
  callCount(): number {
    return this.calls.size;
  }

  close(): void {
    for (const call of this.calls.values()) for (const timer of call.timers.values()) clearTimeout(timer);
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
  }
}
