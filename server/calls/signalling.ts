/**
 * Signalling over socket.io: presence, the call lifecycle (invite → ringing → accepted / declined / busy /
 * missed after 45 s / cancelled → ended), guests knocking and being admitted, group meetings (a mesh of up
 * to four), and the relay of offers, answers and ICE candidates — only between participants of one call.
 * Media and chat never pass here: they go peer-to-peer.
 *
 * Every event has a schema; a malformed one gets an `error:event` and changes nothing. The call state lives
 * in the database (`callState.ts`), so any server process can take any event and a process that dies leaves
 * its calls to the others; events reach peers on other processes through socket.io's adapter (Redis when
 * there are several processes). Call records (metadata) are written once, in the transaction that ends a
 * call that connected.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Server, Socket } from 'socket.io';
import { practiceOf } from '../sync/syncService';
import type { ServerDatabase } from '../db/schema';
import { z } from 'zod';
import {
  clientEvents,
  MAX_HELD_SIGNALS,
  MAX_MEETING_SIZE,
  type ClientEventName,
  type ServerEventName,
  type ServerPayload,
  type SignalPayload,
  handshakeSchema,
} from '../../protocol/calls';
import type { AccountService, Profile } from '../accounts/accountService';
import type { ContactService } from '../contacts/contactService';
import { hashToken, newToken } from '../accounts/secrets';
import { ApiError } from '../http/apiError';
import type { CallRecords } from './callRecords';
import type { Guest, InvitationService } from './invitationService';
import { CallState, type Call, type PeerInfo, type Status } from './callState';
import { AnnouncementGaps } from '../cluster/announcementGaps';
import { LOCAL_RELAY_CACHE_MS, RELAY_CACHE_MS, RelayEntries } from './relayEntries';

export const RING_TIMEOUT_MS = 45_000;
/** A peer whose last socket dropped keeps its place this long (reload, network change). */
export const REJOIN_GRACE_MS = 30_000;
export { MAX_MEETING_SIZE };
export const TICKET_LIFETIME_MS = 60_000;
/** Events after which the sending socket takes part in the call its answer names. */
const TAKES_PART: ReadonlySet<string> = new Set([
  'call:invite',
  'meeting:create',
  'call:accept',
  'call:admit',
  'guest:join',
]);

/** What a patient's socket may send: its own waiting room and consultation, nothing else. */
const GUEST_EVENTS: ReadonlySet<string> = new Set(['guest:join', 'guest:signal', 'call:hangup', 'signal']);

const callIdOf = (answer: unknown): string | null =>
  typeof answer === 'object' && answer !== null && 'callId' in answer && typeof answer.callId === 'string'
    ? answer.callId
    : null;

/** A server process beats this often; the ringing and grace deadlines of dead processes are found as often. */
export const HEARTBEAT_MS = 5_000;
/** A process not heard of for this long is gone: its sockets stop counting and their peers get the grace. */
export const DEAD_AFTER_MS = 20_000;
const CALL_CHANGED = 'clinicdesk:call-changed';
/**
 * What a process says of a call it changed, beside its id: the version it committed, who takes part while
 * it is active (null otherwise: the others stop relaying for it) and who is still ringing (the others stop
 * the ringing timers of everyone else). Parsed like any input from outside; a process of an earlier release
 * sends the id alone, and the entry is then dropped and read again.
 */
const callChangeSchema = z.object({
  version: z.number().int(),
  participants: z.array(z.string().max(200)).max(1_000).nullable(),
  ringing: z.array(z.string().max(200)).max(1_000),
  /** The announcing process and its announcement's number, so that a listener notices missed ones. */
  origin: z.string().max(200).optional(),
  seq: z.number().int().min(1).optional(),
});
type CallChange = z.infer<typeof callChangeSchema>;

/** The peer behind a socket: what a call keeps of it, and its account or invitation. */
interface Peer extends PeerInfo {
  profile?: Profile;
  guest?: Guest;
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

/**
 * The objects in `value` added to `nodes`, or -1 once one lies too deep or there are too many. Recursive, but
 * never deeper than MAX_PAYLOAD_DEPTH; it allocates nothing (it runs for every signal: an array per node
 * made a signal's garbage larger).
 */
function countNodes(value: unknown, depth: number, nodes: number): number {
  if (value === null || typeof value !== 'object') return nodes;
  let count = nodes + 1;
  if (depth >= MAX_PAYLOAD_DEPTH || count > MAX_PAYLOAD_NODES) return -1;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if ((count = countNodes(item, depth + 1, count)) < 0) return -1;
    return count;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if ((count = countNodes((value as Record<string, unknown>)[key], depth + 1, count)) < 0) return -1;
  }
  return count;
}

/** Whether a payload stays within the bounds. */
export const withinBounds = (payload: unknown): boolean => countNodes(payload, 0, 0) >= 0;

export interface SignallingDeps {
  db: Kysely<ServerDatabase>;
  accounts: AccountService;
  contacts: ContactService;
  invitations: InvitationService;
  callRecords: CallRecords;
  now: () => number;
  log: (message: string, details?: object) => void;
  /** Other server processes share this one's socket.io (the Redis adapter): they hear of changed calls. */
  clustered?: boolean;
  /** Shorter in tests; RING_TIMEOUT_MS, REJOIN_GRACE_MS, HEARTBEAT_MS and DEAD_AFTER_MS otherwise. */
  timing?: { ringMs: number; graceMs: number; heartbeatMs?: number; deadAfterMs?: number };
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

type Ack = (answer: unknown) => void;

/** What each socket carries: its peer, the call its page says it still holds, and its registration. */
interface SocketData {
  peer: Peer;
  resume: string | null;
  /** The browser tab the socket comes from (kept across its reloads), if the client said. */
  tab: string | null;
  ready: Promise<void>;
  /** Set once the registration has settled: the socket's events need not wait for it. */
  registered?: boolean;
}

/** A change of signalling state in one transaction, with what to do once it committed. */
interface Tx {
  db: Transaction<ServerDatabase>;
  /** Events to peers, presence, timers: only after the commit, so that every process reads the new state. */
  after: (() => void)[];
  /** Set by a change that found nothing to do: the call is not written back, nor announced as changed. */
  unchanged?: boolean;
}

type Relayed = { relayed: true };

const notParticipant = () => new ApiError(404, 'not_participant', 'Not in this call');
const notInvited = () => new ApiError(404, 'not_invited', 'No such call for you');
const noGuestWaiting = () => new ApiError(404, 'not_found', 'No such guest waiting');

export class Signalling {
  private readonly state: CallState;
  private readonly ringMs: number;
  private readonly graceMs: number;
  /** Local timers: the quick path. The deadlines in the database are the truth, swept by every process. */
  private readonly ringTimers = new Map<string, Map<string, NodeJS.Timeout>>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** Presence of one peer is announced in order: each announcement reads the state after the one before. */
  private readonly announcing = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Participants of calls, for the relay. */
  private readonly relayEntries: RelayEntries;
  /** How many call changes this process announced to the others (each announcement's number). */
  private announced = 0;
  /** Whether this process heard every announcement of the others. */
  private readonly gaps = new AnnouncementGaps();
  private readonly beatTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly io: Server,
    private readonly deps: SignallingDeps,
  ) {
    this.ringMs = deps.timing?.ringMs ?? RING_TIMEOUT_MS;
    this.graceMs = deps.timing?.graceMs ?? REJOIN_GRACE_MS;
    this.state = new CallState(deps.db, deps.timing?.deadAfterMs ?? DEAD_AFTER_MS);
    this.relayEntries = new RelayEntries(
      (callId) => this.state.activeParticipants(callId),
      (work) => this.track(work),
      deps.clustered ? RELAY_CACHE_MS : LOCAL_RELAY_CACHE_MS,
    );
    io.use((socket, next) => {
      const auth = socket.handshake.auth as Record<string, unknown>;
      this.authenticate(auth)
        .then((peer) => {
          if (!peer) return next(new Error('unauthorized'));
          const data = socket.data as SocketData;
          data.peer = peer;
          // Credentials aside, the handshake says which call the page still holds and which tab it is.
          const handshake = handshakeSchema.parse(auth);
          data.resume = handshake.resume ?? null;
          data.tab = handshake.tab ?? null;
          next();
        })
        .catch(() => next(new Error('unauthorized')));
    });
    io.on('connection', (socket) => this.connected(socket));
    // Another process changed a call: its relay entry and ringing timers follow.
    if (deps.clustered)
      io.on(CALL_CHANGED, (callId: unknown, change: unknown) => {
        const parsed = callChangeSchema.safeParse(change);
        const { origin, seq } = parsed.success ? parsed.data : {};
        if (origin !== undefined && seq !== undefined && !this.gaps.heard(origin, seq))
          this.missedAnnouncements(origin);
        this.callChangedElsewhere(String(callId), parsed.success ? parsed.data : null);
      });
    deps.accounts.onSessionsRevoked((accountId) => this.disconnectPeer(accountId));
    this.beatTimer = setInterval(() => this.track(this.sweep()), deps.timing?.heartbeatMs ?? HEARTBEAT_MS);
    this.beatTimer.unref();
  }

  /** The first heartbeat: sockets of this process count from now on. */
  async start(): Promise<void> {
    await this.state.beat();
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

  /** Work that outlives the event that started it: errors are logged, `close` waits for it. */
  private track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      (error: unknown) => {
        if (!this.closed) this.deps.log('signalling state failed', { err: error });
      },
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /** Runs `work` in a transaction, then what it left to do. */
  private async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const after: (() => void)[] = [];
    const result = await this.deps.db.transaction().execute((db) => work({ db, after }));
    for (const effect of after) effect();
    return result;
  }

  /** Changes one call: its row taken (after the peers' rows, always in that order), changed, written back. */
  private async onCall<T>(
    callId: string,
    change: (call: Call, tx: Tx) => T | Promise<T>,
    missing: () => T,
    lockPeers: readonly string[] = [],
  ): Promise<T> {
    return this.run(async (tx) => {
      if (lockPeers.length > 0) await this.state.lockPeers(tx.db, lockPeers);
      const call = await this.state.lock(tx.db, callId);
      if (!call) return missing();
      const result = await change(call, tx);
      if (tx.unchanged) return result;
      await this.state.save(tx.db, call);
      tx.after.push(() => {
        this.callChanged(call);
        if (this.deps.clustered)
          this.io.serverSideEmit(CALL_CHANGED, callId, {
            ...this.changeOf(call),
            origin: this.state.processId,
            seq: (this.announced += 1),
          });
      });
      return result;
    });
  }

  /** Beats, gives the peers of dead processes their grace, and acts on deadlines nobody acted on. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    await this.state.beat();
    this.relayEntries.prune();
    for (const processId of await this.state.deadProcesses()) {
      this.gaps.forget(processId);
      for (const peerId of await this.state.reap(processId)) await this.lostSocket(peerId);
    }
    for (const { callId, peerId } of await this.state.dueRings()) await this.missed(callId, peerId);
    for (const { peerId, until } of await this.state.dueGraces()) await this.graceOver(peerId, until);
  }

  // ---- presence -------------------------------------------------------------------------------

  private async status(peerId: string): Promise<Status> {
    return (await this.state.statuses(this.deps.db, [peerId]))[peerId]!;
  }

  private announce(peerId: string): void {
    if (peerId.startsWith('guest:') || this.closed) return;
    const next = (this.announcing.get(peerId) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const status = await this.status(peerId);
        this.io.to(`watch:${peerId}`).emit('presence', { id: peerId, status });
      });
    this.announcing.set(peerId, next);
    this.track(next);
    const forget = () => {
      if (this.announcing.get(peerId) === next) this.announcing.delete(peerId);
    };
    void next.then(forget, forget);
  }

  // ---- connections ----------------------------------------------------------------------------

  private connected(socket: Socket): void {
    const data = socket.data as SocketData;
    const { peer } = data;
    void socket.join(`peer:${peer.id}`);
    // The practice's devices hear of its changes (sync) through this room.
    if (peer.kind === 'account')
      void socket.join(`practice:${practiceOf({ id: peer.id, organisationId: peer.organisationId })}`);
    // Events of this socket wait for its registration (they may ask who is online).
    data.ready = this.register(socket, peer, data.resume, data.tab);
    this.track(data.ready);
    const settled = () => {
      data.registered = true;
    };
    data.ready.then(settled, settled);

    // One listener for every event, not one per event name (thirteen closures per socket, held by each of
    // 10,000 sockets). An event nobody handles is answered, not dropped in silence: the client learns its
    // mistake — also for names an object has by inheritance ("constructor", "toString").
    socket.onAny((event: unknown, ...rest: unknown[]) => {
      if (typeof event === 'string' && Object.hasOwn(schemas, event)) {
        this.handle(socket, peer, event as EventName, rest[0], rest[1]);
        return;
      }
      const name = typeof event === 'string' ? event.slice(0, 64) : '';
      socket.emit('error:event', { event: name, code: 'unknown_event' });
      const ack = rest.at(-1);
      if (typeof ack === 'function') (ack as Ack)({ error: { code: 'unknown_event' } });
    });
    socket.on('disconnect', () =>
      this.track(data.ready.catch(() => undefined).then(() => this.disconnected(socket, peer))),
    );
  }

  private async register(socket: Socket, peer: Peer, resume: string | null, tab: string | null): Promise<void> {
    // The tab's earlier socket (a reload) is replaced first, so that it does not count as another device.
    const { heldCalls } = await this.state.addSocket(socket.id, peer.id, tab);
    const facts = await this.state.connectionFacts(this.deps.db, peer.id, socket.id);
    clearTimeout(this.graceTimers.get(peer.id));
    this.graceTimers.delete(peer.id);
    // A grace that begins after this read (another socket of the peer ending elsewhere) is harmless: when it
    // is over, the peer is found online and leaves nothing.
    if (facts.graceUntil !== null) await this.state.clearGrace(peer.id);
    if (resume) await this.state.holdCall(socket.id, resume);
    const first = !facts.elsewhere;
    // A recovered connection (a short drop) kept its rooms and its peer connection: nothing to redo. A
    // second device of a peer that is still connected must not tear down the call of the first; a reload
    // of the tab that held the call is brought back, even while another device is connected.
    if (!socket.recovered) await this.rejoin(socket, peer, resume, first ? 'any' : heldCalls, facts.calls);
    if (!socket.recovered) await this.pendingKnocks(socket, peer, facts.knocks);
    if (first) this.announce(peer.id);
  }

  /**
   * Back into the call the peer is in. A page that reloaded lost its peer connections: it gets
   * `call:rejoin` and the others open fresh ones to it. A page that still holds the call (its server
   * process went away, or a long network drop) says so in its handshake (`resume`): nothing is redone.
   * `calls`: which calls this socket may be brought back into — any (no other socket of the peer is
   * online), or those its tab's replaced socket held.
   */
  private async rejoin(
    socket: Socket,
    peer: Peer,
    resume: string | null,
    calls: 'any' | string[],
    callsOfPeer: readonly { callId: string; role: 'participant' | 'invited'; state: string }[],
  ): Promise<void> {
    if (calls !== 'any' && calls.length === 0) return;
    const mine = callsOfPeer.filter((c) => c.role === 'participant');
    const chosen = mine.find((c) => c.state === 'active') ?? mine[0];
    if (!chosen || chosen.callId === resume) return;
    if (calls !== 'any' && !calls.includes(chosen.callId)) return;
    const call = await this.state.read(this.deps.db, chosen.callId);
    if (!call || !call.participants.has(peer.id)) return;
    // A patient still in the waiting room has no connection to redo: its page joins again (`guest:join`).
    if (call.kind === 'guest' && call.state === 'waiting') return;
    await this.state.holdCall(socket.id, call.id);
    socket.emit('call:rejoin', { callId: call.id, kind: call.kind, peers: this.others(call, peer.id) });
    for (const other of call.participants.keys()) {
      if (other !== peer.id)
        this.toPeer(other, 'call:peer-joined', { callId: call.id, peer: this.describe(peer), rejoin: true });
    }
  }

  /** Patients who knocked while the host was away (or on another device) are shown on this one too. */
  private async pendingKnocks(socket: Socket, peer: Peer, waitingRooms: readonly string[]): Promise<void> {
    if (peer.kind !== 'account') return;
    for (const callId of waitingRooms) {
      const waiting = await this.state.read(this.deps.db, callId);
      // Admitted or gone since: nothing to show.
      if (!waiting || waiting.kind !== 'guest' || waiting.state !== 'waiting') continue;
      const guest = [...waiting.participants.values()][0];
      if (guest) socket.emit('call:knock', { callId: waiting.id, guest: this.describe(guest) });
    }
  }

  private async disconnected(socket: Socket, peer: Peer): Promise<void> {
    if (this.closed) return;
    await this.state.removeSocket(socket.id);
    await this.lostSocket(peer.id);
  }

  /** A peer lost a socket (here, or with a dead process): without one left, its grace starts. */
  private async lostSocket(peerId: string): Promise<void> {
    if ((await this.state.online(this.deps.db, [peerId])).has(peerId)) return;
    this.announce(peerId);
    // Give a reload or a network change time to come back before leaving calls.
    const until = Date.now() + this.graceMs;
    await this.state.startGrace(peerId, until);
    clearTimeout(this.graceTimers.get(peerId));
    this.graceTimers.set(
      peerId,
      setTimeout(() => this.track(this.graceOver(peerId, until)), this.graceMs),
    );
  }

  /** The grace ended without the peer coming back (on any process): it leaves its calls, once. */
  private async graceOver(peerId: string, until: number): Promise<void> {
    if (this.closed) return;
    if (!(await this.state.takeGrace(peerId, until))) return;
    if ((await this.state.online(this.deps.db, [peerId])).has(peerId)) return;
    for (const { callId, role } of await this.state.callsOf(this.deps.db, peerId)) {
      if (role === 'participant')
        await this.onCall(
          callId,
          (call, tx) => this.leave(tx, call, peerId),
          () => undefined,
        );
    }
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

  /**
   * An event of a socket, checked against its schema. A signal (the ICE candidates and descriptions of every
   * call: thousands a second on a busy server) from a registered socket, between two peers known to be in
   * the call, is relayed here and now, without an async frame or promise: each of those lived until the
   * next minor collection, and at 2,000 signals a second the collections came every 1.5 s and held the
   * process 15–50 ms each (issue 13). Anything else, or a signal whose call must be read first, goes the
   * general way; the order of a socket's signals stays (see `RelayEntries.bothIn`).
   */
  private handle(socket: Socket, peer: Peer, event: EventName, payload: unknown, ack: unknown): void {
    const reply = typeof ack === 'function' ? (ack as Ack) : undefined;
    if (!withinBounds(payload)) {
      socket.emit('error:event', { event, code: 'payload_too_large' });
      reply?.({ error: { code: 'payload_too_large' } });
      return;
    }
    const parsed = schemas[event].safeParse(payload ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
      socket.emit('error:event', { event, code: 'bad_request', issues });
      reply?.({ error: { code: 'bad_request', issues } });
      return;
    }
    // The event's name and its parsed payload travel together, so each case sees its own type.
    const message = { event, data: parsed.data } as Message;
    if (message.event === 'signal' && (socket.data as SocketData).registered) {
      let relayed: Relayed | Promise<Relayed>;
      try {
        relayed = this.relay(peer, message.data.callId, message.data.to, message.data.data);
      } catch (error) {
        this.refuse(socket, event, error, reply);
        return;
      }
      if (relayed instanceof Promise) relayed.then(reply, (error: unknown) => this.refuse(socket, event, error, reply));
      else reply?.(relayed);
      return;
    }
    void this.answer(socket, peer, message, reply);
  }

  /** An event after the socket's registration, answered once its work is done. */
  private async answer(socket: Socket, peer: Peer, message: Message, reply: Ack | undefined): Promise<void> {
    try {
      await (socket.data as SocketData).ready.catch(() => undefined);
      const answer = await this.dispatch(socket, peer, message);
      // The socket that starts, accepts, admits or joins a call holds it (its page has the peer connections).
      const callId = TAKES_PART.has(message.event) ? callIdOf(answer) : null;
      if (callId) await this.state.holdCall(socket.id, callId);
      reply?.(answer);
    } catch (error) {
      this.refuse(socket, message.event, error, reply);
    }
  }

  /** An event that failed: the client hears the code of a refusal, or "internal". */
  private refuse(socket: Socket, event: EventName, error: unknown, reply: Ack | undefined): void {
    if (error instanceof ApiError) {
      socket.emit('error:event', { event, code: error.code });
      reply?.({ error: { code: error.code } });
      return;
    }
    this.deps.log('signalling event failed', { event, err: error });
    reply?.({ error: { code: 'internal' } });
  }

  private async dispatch(socket: Socket, peer: Peer, message: Message): Promise<unknown> {
    const { event } = message;
    if (peer.kind === 'guest' && !GUEST_EVENTS.has(event))
      throw new ApiError(403, 'forbidden', 'Guests can only join their own consultation');
    switch (message.event) {
      case 'presence:watch':
        return this.watch(socket, peer);
      case 'presence:set':
        await this.state.setBusy(peer.id, message.data.status === 'busy');
        this.announce(peer.id);
        return { status: await this.status(peer.id) };
      case 'call:invite':
        return this.invite(peer, [message.data.to], 'contact', '');
      case 'meeting:create':
        if (peer.profile) await this.deps.video?.mayStart(peer.profile);
        return this.invite(peer, message.data.invitees, 'group', message.data.name);
      case 'call:accept':
      case 'call:decline': {
        const { callId } = message.data;
        const answer =
          message.event === 'call:accept' ? await this.accept(peer, callId) : await this.decline(peer, callId);
        // The user's other devices stop ringing.
        socket.to(`peer:${peer.id}`).emit('call:answered-elsewhere', { callId });
        return answer;
      }
      case 'call:cancel':
        return this.cancel(peer, message.data.callId);
      case 'call:hangup':
        return this.onCall(
          message.data.callId,
          async (call, tx) => {
            if (!call.participants.has(peer.id)) throw notParticipant();
            await this.leave(tx, call, peer.id);
            return { ended: true };
          },
          () => {
            throw notParticipant();
          },
        );
      case 'call:admit':
        return this.admit(peer, message.data.callId);
      case 'call:deny':
        return this.deny(peer, message.data.callId);
      case 'guest:join':
        if (peer.kind !== 'guest') throw new ApiError(403, 'forbidden', 'Only patients join as guests');
        return this.guestJoin(peer, message.data.name, message.data.consent);
      case 'guest:signal':
        if (peer.kind !== 'guest') throw new ApiError(403, 'forbidden', 'Only a waiting patient signals ahead');
        return this.guestSignal(peer, message.data.callId, message.data.signals);
      case 'signal':
        return this.relay(peer, message.data.callId, message.data.to, message.data.data);
    }
  }

  private async watch(socket: Socket, peer: Peer) {
    const contacts = await this.deps.contacts.list(peer.profile!);
    for (const contact of contacts) void socket.join(`watch:${contact.id}`);
    return {
      statuses: await this.state.statuses(
        this.deps.db,
        contacts.map((c) => c.id),
      ),
    };
  }

  // ---- the call lifecycle ---------------------------------------------------------------------

  /** In a call, ringing out, or being rung: not free for another call (a knock does not make a host busy). */
  private async engaged(db: Transaction<ServerDatabase>, peerId: string): Promise<boolean> {
    const calls = await this.state.callsOf(db, peerId);
    return calls.some((c) => !(c.kind === 'guest' && c.state === 'waiting'));
  }

  private async inActiveCall(db: Kysely<ServerDatabase> | Transaction<ServerDatabase>, peerId: string) {
    const calls = await this.state.callsOf(db, peerId);
    return calls.some((c) => c.role === 'participant' && c.state === 'active');
  }

  private info(peer: PeerInfo): PeerInfo {
    return { id: peer.id, kind: peer.kind, name: peer.name, organisationId: peer.organisationId };
  }

  private describe(peer: PeerInfo) {
    return { id: peer.id, name: peer.name, kind: peer.kind };
  }

  private others(call: Call, peerId: string) {
    return [...call.participants.values()].filter((p) => p.id !== peerId).map((p) => this.describe(p));
  }

  private toPeer<E extends ServerEventName>(peerId: string, event: E, payload: ServerPayload<E>): void {
    this.io.to(`peer:${peerId}`).emit(event, payload);
  }

  /** An event to a peer once the change is committed. */
  private emit<E extends ServerEventName>(tx: Tx, peerId: string, event: E, payload: ServerPayload<E>): void {
    tx.after.push(() => this.toPeer(peerId, event, payload));
  }

  private announceAfter(tx: Tx, peerId: string): void {
    tx.after.push(() => this.announce(peerId));
  }

  private ringTimer(callId: string, peerId: string): void {
    let timers = this.ringTimers.get(callId);
    if (!timers) this.ringTimers.set(callId, (timers = new Map()));
    clearTimeout(timers.get(peerId));
    timers.set(
      peerId,
      setTimeout(() => this.track(this.missed(callId, peerId)), this.ringMs),
    );
  }

  private clearRing(callId: string, peerId: string): void {
    const timers = this.ringTimers.get(callId);
    if (!timers) return;
    clearTimeout(timers.get(peerId));
    timers.delete(peerId);
    if (timers.size === 0) this.ringTimers.delete(callId);
  }

  private async invite(caller: Peer, to: string[], kind: 'contact' | 'group', name: string) {
    const reachable = new Map((await this.deps.contacts.list(caller.profile!)).map((c) => [c.id, c]));
    const invitees = [...new Set(to)].filter((peerId) => peerId !== caller.id);
    if (invitees.some((peerId) => !reachable.has(peerId))) throw new ApiError(404, 'not_found', 'Not a contact');
    return this.run(async (tx) => {
      // The caller's and the invitees' rows are taken first: two invites at once (on one process or two)
      // cannot both find the same people free.
      await this.state.lockPeers(tx.db, [caller.id, ...invitees]);
      if (await this.engaged(tx.db, caller.id)) throw new ApiError(409, 'already_in_call', 'You are already in a call');
      const statuses = await this.state.statuses(tx.db, invitees);
      const free: string[] = [];
      for (const peerId of invitees)
        if (statuses[peerId] === 'online' && !(await this.engaged(tx.db, peerId))) free.push(peerId);
      if (free.length === 0) {
        const offline = invitees.every((peerId) => statuses[peerId] === 'offline');
        throw new ApiError(409, offline ? 'unavailable' : 'busy', offline ? 'Not signed in' : 'Busy');
      }
      const deadline = Date.now() + this.ringMs;
      const call: Call = {
        id: randomUUID(),
        kind,
        name,
        hostId: caller.id,
        organisationId: caller.organisationId,
        state: 'ringing',
        participants: new Map([[caller.id, this.info(caller)]]),
        invited: new Map(
          free.map((peerId) => {
            const contact = reachable.get(peerId)!;
            const invitee = { id: peerId, kind: 'account' as const, name: contact.name || contact.username };
            return [peerId, { ...invitee, organisationId: null, deadline }];
          }),
        ),
        joined: new Set([caller.id]),
        invitations: invitees.length,
        startedAt: null,
        version: 0,
      };
      await this.state.insert(tx.db, call);
      for (const peerId of free) {
        this.emit(tx, peerId, 'call:incoming', { callId: call.id, kind, name, from: this.describe(caller) });
        tx.after.push(() => this.ringTimer(call.id, peerId));
        this.announceAfter(tx, peerId);
      }
      this.announceAfter(tx, caller.id);
      return { callId: call.id, ringing: free, busy: invitees.filter((p) => !free.includes(p)) };
    });
  }

  /** Nobody answered in time (this process's timer, or any process's sweep of the deadline): once. */
  private async missed(callId: string, peerId: string): Promise<void> {
    if (this.closed) return;
    this.clearRing(callId, peerId);
    await this.onCall(
      callId,
      async (call, tx) => {
        // Answered (or declined) meanwhile, perhaps on another process: nothing to write or announce.
        if (!call.invited.delete(peerId)) {
          tx.unchanged = true;
          return;
        }
        const host = call.participants.get(call.hostId) ?? {
          id: call.hostId,
          kind: 'account' as const,
          name: '',
          organisationId: null,
        };
        this.emit(tx, peerId, 'call:missed', { callId, from: this.describe(host) });
        for (const other of call.participants.keys()) this.emit(tx, other, 'call:no-answer', { callId, peerId });
        this.announceAfter(tx, peerId);
        await this.settle(tx, call);
      },
      () => undefined,
    );
  }

  private async accept(peer: Peer, callId: string) {
    return this.onCall(
      callId,
      (call, tx) => {
        if (!call.invited.has(peer.id)) throw notInvited();
        if (call.participants.size >= MAX_MEETING_SIZE) throw new ApiError(409, 'call_full', 'The meeting is full');
        call.invited.delete(peer.id);
        tx.after.push(() => this.clearRing(callId, peer.id));
        this.join(tx, call, peer);
        return { callId, peers: this.others(call, peer.id) };
      },
      () => {
        throw notInvited();
      },
    );
  }

  /** A peer joins: those already in the call start the peer connections to it. */
  private join(tx: Tx, call: Call, peer: Peer): void {
    call.state = 'active';
    if (call.startedAt === null) {
      call.startedAt = this.deps.now();
      // Connected: metered from now (consultations and meetings; a colleague's call is not).
      const { video } = this.deps;
      if (call.kind !== 'contact' && video) {
        const metered = { id: call.id, hostId: call.hostId, organisationId: call.organisationId, kind: call.kind };
        tx.after.push(
          () =>
            void video
              .connected(metered)
              .catch((error: unknown) => this.deps.log('video session failed', { err: error })),
        );
      }
    }
    for (const other of call.participants.keys()) {
      this.emit(tx, other, 'call:peer-joined', { callId: call.id, peer: this.describe(peer) });
    }
    call.participants.set(peer.id, this.info(peer));
    call.joined.add(peer.id);
    for (const p of call.participants.keys()) this.announceAfter(tx, p);
  }

  private async decline(peer: Peer, callId: string) {
    return this.onCall(
      callId,
      async (call, tx) => {
        if (!call.invited.delete(peer.id)) throw notInvited();
        tx.after.push(() => this.clearRing(callId, peer.id));
        for (const other of call.participants.keys())
          this.emit(tx, other, 'call:declined', { callId, peerId: peer.id });
        this.announceAfter(tx, peer.id);
        await this.settle(tx, call);
        return { declined: true };
      },
      () => {
        throw notInvited();
      },
    );
  }

  private async cancel(peer: Peer, callId: string) {
    return this.onCall(
      callId,
      async (call, tx) => {
        if (!call.participants.has(peer.id)) throw notParticipant();
        if (call.hostId !== peer.id || call.state !== 'ringing') throw new ApiError(409, 'not_ringing', 'Not ringing');
        for (const invitee of call.invited.keys()) this.emit(tx, invitee, 'call:cancelled', { callId });
        await this.end(tx, call);
        return { cancelled: true };
      },
      () => {
        throw notParticipant();
      },
    );
  }

  /** A participant leaves; a call with fewer than two participants (and nobody ringing) ends. */
  private async leave(tx: Tx, call: Call, peerId: string): Promise<void> {
    if (!call.participants.delete(peerId)) return;
    for (const other of call.participants.keys()) this.emit(tx, other, 'call:peer-left', { callId: call.id, peerId });
    this.announceAfter(tx, peerId);
    if (call.state === 'ringing' && peerId === call.hostId) {
      for (const invitee of call.invited.keys()) this.emit(tx, invitee, 'call:cancelled', { callId: call.id });
      await this.end(tx, call);
      return;
    }
    await this.settle(tx, call);
  }

  private async settle(tx: Tx, call: Call): Promise<void> {
    if (call.invited.size > 0) return;
    // A patient who left the waiting room: the knock is withdrawn.
    if (call.kind === 'guest' && call.state === 'waiting') {
      if (call.participants.size === 0) {
        this.emit(tx, call.hostId, 'call:knock-withdrawn', { callId: call.id });
        await this.end(tx, call);
      }
      return;
    }
    if (call.participants.size < 2) {
      for (const rest of call.participants.keys()) this.emit(tx, rest, 'call:ended', { callId: call.id });
      await this.end(tx, call);
    }
  }

  /** The call is over: its rows go, and a call that connected leaves its record in the same transaction. */
  private async end(tx: Tx, call: Call): Promise<void> {
    if (call.ended) return;
    call.ended = true;
    for (const invitee of call.invited.keys()) tx.after.push(() => this.clearRing(call.id, invitee));
    const everyone = [...call.participants.keys(), ...call.invited.keys(), ...call.joined];
    for (const peerId of new Set(everyone)) this.announceAfter(tx, peerId);
    if (call.startedAt === null) return;
    const { video } = this.deps;
    if (call.kind !== 'contact' && video)
      tx.after.push(
        () =>
          void video
            .ended(call.id)
            .catch((error: unknown) => this.deps.log('video session end failed', { err: error })),
      );
    // A consultation that took place ends its invitation: the patient cannot knock again with it.
    for (const peerId of call.joined) {
      if (!peerId.startsWith('guest:')) continue;
      const invitationId = peerId.slice('guest:'.length);
      tx.after.push(
        () =>
          void this.deps.invitations
            .end(invitationId)
            .then(() => this.disconnectPeer(peerId))
            .catch((error: unknown) => this.deps.log('invitation end failed', { err: error })),
      );
    }
    const accounts = [...call.joined].filter((peerId) => !peerId.startsWith('guest:'));
    await this.deps.callRecords.add(
      {
        organisationId: call.organisationId,
        kind: call.kind,
        name: call.name,
        initiatorId: call.hostId,
        participantIds: accounts,
        startedAt: call.startedAt,
        endedAt: this.deps.now(),
        invitations: call.invitations,
      },
      tx.db,
    );
  }

  // ---- guests ---------------------------------------------------------------------------------

  private async guestJoin(peer: Peer, name: string, consent: boolean) {
    peer.guest = await this.deps.invitations.join(peer.guest!, name, consent);
    peer.name = name;
    const hostId = peer.guest.hostId;
    return this.run(async (tx) => {
      await this.state.lockPeers(tx.db, [peer.id]);
      const existing = (await this.state.callsOf(tx.db, peer.id)).find((c) => c.role === 'participant');
      if (existing) return { callId: existing.callId, status: existing.state };
      const call: Call = {
        id: randomUUID(),
        kind: 'guest',
        name: '',
        hostId,
        organisationId: peer.organisationId,
        state: 'waiting',
        participants: new Map([[peer.id, this.info(peer)]]),
        invited: new Map(),
        joined: new Set([peer.id]),
        invitations: 1,
        startedAt: null,
        version: 0,
      };
      await this.state.insert(tx.db, call);
      this.emit(tx, hostId, 'call:knock', { callId: call.id, guest: this.describe(peer) });
      return { callId: call.id, status: 'waiting' as const };
    });
  }

  private hostedWaiting(peer: Peer, call: Call | null): Call {
    if (!call || call.kind !== 'guest' || call.hostId !== peer.id || call.state !== 'waiting') throw noGuestWaiting();
    return call;
  }

  private async admit(peer: Peer, callId: string) {
    this.hostedWaiting(peer, await this.state.read(this.deps.db, callId));
    if (await this.inActiveCall(this.deps.db, peer.id))
      throw new ApiError(409, 'already_in_call', 'Hang up the current call first');
    // Admitting the patient starts the consultation: checked now, and again in the transaction.
    if (peer.profile) await this.deps.video?.mayStart(peer.profile);
    return this.onCall(
      callId,
      async (found, tx) => {
        const call = this.hostedWaiting(peer, found);
        if (await this.inActiveCall(tx.db, peer.id))
          throw new ApiError(409, 'already_in_call', 'Hang up the current call first');
        this.join(tx, call, peer);
        // The practitioner's other devices stop showing the knock (and drop what they made ready for it).
        this.emit(tx, peer.id, 'call:knock-withdrawn', { callId });
        // What the patient signalled while waiting goes to the practitioner who admits, and to nobody else.
        const { held } = call;
        delete call.held;
        return { callId, peers: this.others(call, peer.id), ...(held ? { signals: held } : {}) };
      },
      () => {
        throw noGuestWaiting();
      },
      [peer.id],
    );
  }

  /**
   * What the patient's page signals while waiting — its offer, then its candidates — is held with the
   * waiting call (an offer starts afresh: the page reloaded and made a new one) and handed over at the
   * admission; once admitted, it is relayed to the practitioner like any signal. Nobody sees it before.
   */
  private async guestSignal(peer: Peer, callId: string, signals: SignalPayload[]) {
    return this.onCall(
      callId,
      (call, tx) => {
        if (call.kind !== 'guest' || !call.participants.has(peer.id)) throw notParticipant();
        if (call.state === 'waiting') {
          let held = call.held ?? [];
          for (const data of signals) {
            if (data.type === 'offer') held = [];
            else if (held.length === 0) throw new ApiError(409, 'offer_first', 'The offer first');
            // Sent again after a lost answer: held once.
            const same = JSON.stringify(data);
            if (!held.some((h) => JSON.stringify(h) === same)) held = [...held, data];
          }
          if (held.length > MAX_HELD_SIGNALS) throw new ApiError(413, 'too_many_signals', 'Too many signals held');
          call.held = held;
          return { status: 'held' as const };
        }
        tx.unchanged = true;
        for (const data of signals) this.emit(tx, call.hostId, 'signal', { callId, from: peer.id, data });
        return { status: 'relayed' as const };
      },
      () => {
        throw notParticipant();
      },
    );
  }

  private async deny(peer: Peer, callId: string) {
    return this.onCall(
      callId,
      async (found, tx) => {
        const call = this.hostedWaiting(peer, found);
        for (const guest of call.participants.keys()) this.emit(tx, guest, 'call:denied', { callId });
        await this.end(tx, call);
        return { denied: true };
      },
      () => {
        throw noGuestWaiting();
      },
    );
  }

  // ---- relay ----------------------------------------------------------------------------------

  /**
   * A call changed here: its relay entry follows at once, from the changed call itself (its effects run
   * right after its commit, before any later change of the call can commit: the next change waits for the
   * row lock, and this runs in the commit's own continuation).
   */
  private callChanged(call: Call): void {
    this.relayEntries.changed(
      call.id,
      call.ended || call.state !== 'active' ? [] : call.participants.keys(),
      call.version,
    );
  }

  /** What the other processes are told of a changed call. */
  private changeOf(call: Call): CallChange {
    const active = !call.ended && call.state === 'active';
    return {
      version: call.version,
      participants: active ? [...call.participants.keys()] : null,
      ringing: call.ended ? [] : [...call.invited.keys()],
    };
  }

  /**
   * Announcements of another process were lost on their way (see AnnouncementGaps): any relay entry may
   * be out of date, so all of them go and each call is read afresh at its next signal. Rare, and what makes
   * a long-lived entry safe in a cluster (RELAY_CACHE_MS).
   */
  private missedAnnouncements(origin: string): void {
    this.deps.log('call announcements missed; relay entries dropped', { origin, entries: this.relayEntries.size });
    this.relayEntries.clear();
  }

  /**
   * Another process changed a call: the relay's entry takes the announced participants (unless it holds a
   * newer version), and the ringing timers of invitees who stopped ringing (answered, declined, hung up)
   * stop here too — the process that rang them may be this one. Without the details (a process of an
   * earlier release), the entry is dropped and read afresh at the next signal.
   */
  private callChangedElsewhere(callId: string, change: CallChange | null): void {
    if (!change) {
      this.relayEntries.forget(callId);
      return;
    }
    this.relayEntries.changed(callId, change.participants ?? [], change.version);
    const timers = this.ringTimers.get(callId);
    if (!timers) return;
    for (const peerId of [...timers.keys()]) if (!change.ringing.includes(peerId)) this.clearRing(callId, peerId);
  }

  /** A signal to another participant of the call: at once when this process knows both take part. */
  private relay(peer: Peer, callId: string, to: string, data: SignalPayload): Relayed | Promise<Relayed> {
    const forward = (both: boolean): Relayed => {
      if (!both) throw new ApiError(403, 'not_participant', 'Signals go only between participants of one call');
      this.toPeer(to, 'signal', { callId, from: peer.id, data });
      return { relayed: true };
    };
    if (peer.id === to) return forward(false);
    const both = this.relayEntries.bothIn(callId, peer.id, to);
    return both === true ? forward(true) : both.then(forward);
  }

  /** The metered calls in progress, of every process (touched each minute). */
  meteredCallIds(): Promise<string[]> {
    return this.state.meteredCallIds();
  }

  /** For tests and housekeeping: the calls in progress. */
  callCount(): Promise<number> {
    return this.state.callCount();
  }

  /**
   * Stops this process's part: timers stop, work in flight finishes, and the peers whose sockets were here
   * get their grace in the database, where the next process (or this one restarted) acts on it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.beatTimer);
    for (const timers of this.ringTimers.values()) for (const timer of timers.values()) clearTimeout(timer);
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    await Promise.allSettled([...this.pending]);
    const peers = await this.state.leave();
    const until = Date.now() + this.graceMs;
    const online = await this.state.online(this.deps.db, peers);
    for (const peerId of peers) if (!online.has(peerId)) await this.state.startGrace(peerId, until);
  }
}
