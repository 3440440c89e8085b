/**
 * The call logic of both sides, outside React so it can be tested without a browser: the signalling
 * socket's events, the call in progress and its peer connections (CallSession), media, and what the
 * screens show. The staff app adds presence, ringing, knocks and outgoing calls (StaffCallController);
 * the guest page adds joining the waiting room (GuestCallController). React components only subscribe to
 * the state and call the actions.
 *
 * Media comes first: the camera is opened before a call is accepted, admitted or started (and, for a
 * knocking patient, as soon as the knock arrives), so that when the server connects the two sides the
 * peer connection can start at once. A camera that fails falls back to audio only; a microphone that
 * fails too leaves the call ringing with a notice, never silently lost.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  heldSignalSchema,
  MAX_HELD_SIGNALS,
  type HeldSignal,
  type PeerInfo,
  type Presence,
  type ServerPayload,
} from '../../protocol/calls';
import type { ChatEntry, CallSession, CallEvents } from './callSession';
import type { ReceivedFile } from './fileTransfer';
import { SignalChannel, SignalError, type SocketLike } from './signallingClient';

export type CallKind = 'contact' | 'group' | 'guest';
export type Notice =
  'busy' | 'unavailable' | 'declined' | 'noAnswer' | 'failed' | 'noMedia' | 'cameraUnavailable' | 'inCall';

export interface Incoming {
  callId: string;
  kind: 'contact' | 'group';
  name: string;
  from: PeerInfo;
  at: number;
  /** The camera is being opened for this call (after "Accept"). */
  accepting: boolean;
}

export interface Knock {
  callId: string;
  guest: PeerInfo;
  at: number;
}

/** The call in progress, for the screen and for the log written when it ends. */
export interface Current {
  callId: string;
  kind: CallKind;
  direction: 'incoming' | 'outgoing';
  peerName: string;
  startedAt: number;
  answeredAt: number | null;
}

export interface CallState {
  connected: boolean;
  statuses: Record<string, Presence>;
  incoming: Incoming | null;
  knocks: Knock[];
  current: Current | null;
  session: CallSession | null;
  chat: ChatEntry[];
  files: (ReceivedFile & { from: string })[];
  /** A short message for the user, as a translation key. */
  notice: Notice | null;
  /** Bumped when the session's peers, streams or quality change (the screen re-reads the session). */
  revision: number;
  /** Guests: where they are. */
  phase: 'idle' | 'waiting' | 'call' | 'ended';
  ended: 'ended' | 'denied' | 'invalid' | null;
}

export type CallOutcome = 'answered' | 'missed' | 'declined' | 'busy' | 'cancelled';

export interface CallLogRow {
  direction: 'incoming' | 'outgoing';
  peerName: string;
  kind: CallKind;
  status: CallOutcome;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number;
}

export type SessionFactory = (
  channel: SignalChannel,
  callId: string,
  local: MediaStream,
  iceServers: RTCIceServer[],
  events: CallEvents,
) => CallSession;

export interface MediaSource {
  /** Camera and microphone (the account's chosen devices). */
  camera(): Promise<MediaStream>;
  /** The microphone alone (no camera, or the camera failed). */
  microphone(): Promise<MediaStream>;
}

export interface CallDeps {
  socket: SocketLike & { connected?: boolean };
  media: MediaSource;
  iceServers(): Promise<RTCIceServer[]>;
  createSession: SessionFactory;
  now?: () => number;
}

/** The patient's call screen shows at the latest this long after admission, offer or not. */
const SCREEN_AFTER_MS = 1_000;

export const INITIAL_CALL_STATE: CallState = {
  connected: false,
  statuses: {},
  incoming: null,
  knocks: [],
  current: null,
  session: null,
  chat: [],
  files: [],
  notice: null,
  revision: 0,
  phase: 'idle',
  ended: null,
};

/** What both sides share: the socket's call events, the session, media and hanging up. */
export class CallCore {
  readonly store: StoreApi<CallState> = createStore<CallState>(() => ({ ...INITIAL_CALL_STATE }));
  readonly channel: SignalChannel;
  protected readonly now: () => number;
  private ice: RTCIceServer[] | null = null;
  protected readonly subscriptions: (() => void)[] = [];

  constructor(protected readonly deps: CallDeps) {
    this.channel = new SignalChannel(deps.socket);
    this.now = deps.now ?? Date.now;
    this.listen('call:peer-joined', (event) => this.peerJoined(event));
    this.listen('call:rejoin', (event) => void this.rejoined(event));
    this.listen('call:peer-left', ({ callId, peerId }) => {
      if (this.isCurrent(callId)) this.state.session?.drop(peerId);
    });
    this.listen('call:ended', ({ callId }) => {
      if (this.isCurrent(callId)) this.endCall(false, 'ended');
    });
  }

  get state(): CallState {
    return this.store.getState();
  }

  protected set(partial: Partial<CallState>): void {
    this.store.setState(partial);
  }

  protected listen<E extends Parameters<SignalChannel['on']>[0]>(
    event: E,
    handler: (payload: ServerPayload<E>) => void,
  ): void {
    this.subscriptions.push(this.channel.on(event, handler));
  }

  /** The call whose peer connections this page holds (told to the server when the socket reconnects). */
  liveCallId(): string | null {
    return this.state.session?.callId ?? null;
  }

  protected isCurrent(callId: string): boolean {
    return this.state.current?.callId === callId || this.state.session?.callId === callId;
  }

  protected async iceServers(): Promise<RTCIceServer[]> {
    this.ice ??= await this.deps.iceServers();
    return this.ice;
  }

  /** Camera and microphone; the microphone alone when the camera fails; null when neither works. */
  protected async openMedia(): Promise<{ stream: MediaStream; cameraFailed: boolean } | null> {
    try {
      return { stream: await this.deps.media.camera(), cameraFailed: false };
    } catch {
      try {
        return { stream: await this.deps.media.microphone(), cameraFailed: true };
      } catch {
        return null;
      }
    }
  }

  /** The peer connections of a call, with the local media: made, not yet the call in progress. */
  protected async makeSession(
    callId: string,
    local: MediaStream,
    signalled?: () => void,
    iceConnected?: () => void,
  ): Promise<CallSession> {
    const ice = await this.iceServers();
    return this.deps.createSession(this.channel, callId, local, ice, {
      changed: () => this.set({ revision: this.state.revision + 1 }),
      chat: (entry) => this.set({ chat: [...this.state.chat, entry] }),
      file: (from, file) => this.set({ files: [...this.state.files, { ...file, from }] }),
      ...(signalled ? { signalled } : {}),
      ...(iceConnected ? { iceConnected } : {}),
    });
  }

  /** A session becomes the call in progress (the one before it, if any, is closed). */
  protected useSession(session: CallSession): void {
    if (this.state.session !== session) this.state.session?.close();
    this.set({ session, chat: [], files: [], revision: this.state.revision + 1 });
  }

  protected async startSession(
    callId: string,
    local: MediaStream,
    signalled?: () => void,
    iceConnected?: () => void,
  ): Promise<CallSession> {
    const session = await this.makeSession(callId, local, signalled, iceConnected);
    this.useSession(session);
    return session;
  }

  /** Somebody joined the call we are in: those already in it start the connection to the newcomer. */
  protected peerJoined({ callId, peer }: ServerPayload<'call:peer-joined'>): void {
    const { current, session } = this.state;
    if (!session || session.callId !== callId) return;
    if (current && !current.answeredAt) this.set({ current: { ...current, answeredAt: this.now() } });
    session.connect(peer, true);
  }

  /** Our page reloaded during a call: back in, and the others connect to us. */
  protected async rejoined({ callId, kind, peers }: ServerPayload<'call:rejoin'>): Promise<void> {
    if (this.state.session?.callId === callId) return;
    const media = await this.openMedia();
    if (!media) {
      this.set({ notice: 'noMedia' });
      return;
    }
    const at = this.now();
    this.set({
      current: this.state.current ?? {
        callId,
        kind,
        direction: 'outgoing',
        peerName: peers.map((p) => p.name).join(', '),
        startedAt: at,
        answeredAt: at,
      },
      phase: 'call',
    });
    const session = await this.startSession(callId, media.stream);
    for (const peer of peers) session.expect(peer);
  }

  /** Hangs up (telling the server when `notify`), stops media and forgets the call. */
  endCall(notify = true, _reason: 'ended' | 'hangup' = 'hangup'): Current | null {
    const { current, session } = this.state;
    const callId = current?.callId ?? session?.callId;
    if (notify && callId) this.channel.send('call:hangup', { callId });
    session?.close();
    for (const track of session?.local.getTracks() ?? []) track.stop();
    this.set({ session: null, current: null });
    return current;
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  close(): void {
    this.endCall(true);
    for (const off of this.subscriptions.splice(0)) off();
  }
}

export interface StaffDeps extends CallDeps {
  /** A row in the device's call log. */
  log(row: CallLogRow): Promise<void>;
  /** A native notification (incoming call, knock, missed call). */
  notify(kind: 'incoming' | 'knock' | 'missed', name: string): void;
}

/** The practice's side: presence, incoming calls, knocking patients, outgoing calls and meetings. */
export class StaffCallController extends CallCore {
  /** A patient admitted whose call screen waits for our answer to leave (see `admit`). */
  private admitting: Current | null = null;
  /**
   * Made when a patient knocked, ready for "Admit": the camera, and the peer connection that will answer
   * the patient's offer, its candidates gathered ahead (see CallSession's ICE candidate pool).
   */
  private prepared: {
    callId: string;
    media: Promise<Awaited<ReturnType<CallCore['openMedia']>>>;
    session: Promise<CallSession | null>;
  } | null = null;

  constructor(private readonly staff: StaffDeps) {
    super(staff);
    this.listen('presence', ({ id, status }) => this.set({ statuses: { ...this.state.statuses, [id]: status } }));
    this.listen('call:incoming', (incoming) => {
      this.set({ incoming: { ...incoming, at: this.now(), accepting: false } });
      staff.notify('incoming', incoming.from.name);
    });
    this.listen('call:missed', ({ callId }) => this.closeIncoming(callId, 'missed'));
    this.listen('call:cancelled', ({ callId }) => this.closeIncoming(callId, 'missed'));
    // Taken (or declined) on another of this user's devices: stop ringing here, without a log row.
    this.listen('call:answered-elsewhere', ({ callId }) => {
      if (this.state.incoming?.callId === callId) this.set({ incoming: null });
    });
    this.listen('call:knock', (knock) => {
      const knocks = this.state.knocks.filter((k) => k.callId !== knock.callId);
      this.set({ knocks: [...knocks, { ...knock, at: this.now() }] });
      staff.notify('knock', knock.guest.name);
      // Open the camera now, while the patient waits, and make the answering connection: admitting then
      // connects without delay.
      if (!this.state.current && !this.admitting && !this.prepared) this.prepare(knock);
    });
    this.listen('call:knock-withdrawn', ({ callId }) => {
      this.set({ knocks: this.state.knocks.filter((k) => k.callId !== callId) });
      this.releasePrepared(callId);
    });
    // A meeting goes on when one invitee declines; a one-to-one call ends with the server's call:ended.
    this.listen('call:declined', ({ callId }) => {
      if (this.isCurrent(callId)) this.set({ notice: 'declined' });
    });
    this.listen('call:no-answer', ({ callId }) => {
      if (this.isCurrent(callId)) this.set({ notice: 'noAnswer' });
    });
  }

  /** Connected (again): presence of the contacts. */
  async connected(): Promise<void> {
    this.set({ connected: true });
    try {
      const { statuses } = await this.channel.request('presence:watch', {});
      this.set({ statuses });
    } catch {
      // Presence is a courtesy; calls work without it.
    }
  }

  disconnected(): void {
    this.set({ connected: false });
  }

  private prepare(knock: { callId: string; guest: PeerInfo }): void {
    const { callId, guest } = knock;
    const media = this.openMedia();
    const session = media
      .then(async (opened) => {
        if (!opened) return null;
        const made = await this.makeSession(callId, opened.stream, () => this.showAdmitted(callId));
        // Every device of the practitioner hears the knock and makes this; only the one that admits uses it.
        made.standBy();
        made.expect(guest);
        made.connect(guest, false);
        return made;
      })
      .catch(() => null);
    this.prepared = { callId, media, session };
  }

  private releasePrepared(callId?: string): void {
    if (!this.prepared || (callId && this.prepared.callId !== callId)) return;
    const { media, session } = this.prepared;
    this.prepared = null;
    void session.then((s) => s?.close());
    void media.then((m) => m?.stream.getTracks().forEach((track) => track.stop()));
  }

  /** The admitted patient's call screen, once our answer left (or at the latest after a second). */
  private showAdmitted(callId: string): void {
    const admitting = this.admitting;
    if (admitting?.callId !== callId) return;
    this.admitting = null;
    if (this.state.session?.callId === callId && !this.state.current) this.set({ current: admitting });
  }

  private async log(current: Current, status: CallOutcome): Promise<void> {
    await this.staff.log({
      direction: current.direction,
      peerName: current.peerName,
      kind: current.kind,
      status,
      startedAt: current.startedAt,
      answeredAt: current.answeredAt,
      endedAt: this.now(),
    });
  }

  private closeIncoming(callId: string, status: 'missed' | 'cancelled'): void {
    const incoming = this.state.incoming;
    if (incoming?.callId !== callId) return;
    this.set({ incoming: null });
    void this.log(
      {
        callId,
        kind: incoming.kind,
        direction: 'incoming',
        peerName: incoming.from.name,
        startedAt: incoming.at,
        answeredAt: null,
      },
      status,
    );
    if (status === 'missed') this.staff.notify('missed', incoming.from.name);
  }

  /** Ends the call in progress and writes its log row. */
  override endCall(notify = true, reason: 'ended' | 'hangup' = 'hangup'): Current | null {
    // Admitted, its screen not shown yet: it is the call in progress all the same.
    const admitting = this.admitting;
    this.admitting = null;
    const current = super.endCall(notify, reason) ?? admitting;
    if (current) void this.log(current, current.answeredAt ? 'answered' : 'cancelled');
    return current;
  }

  /** A call or a meeting we start: media first, then the invitation, then the session. */
  private async startOutgoing(
    kind: 'contact' | 'group',
    peerName: string,
    invite: () => Promise<{ callId: string }>,
  ): Promise<void> {
    if (this.state.current) {
      this.set({ notice: 'inCall' });
      return;
    }
    this.set({ notice: null });
    const media = await this.openMedia();
    if (!media) {
      this.set({ notice: 'noMedia' });
      return;
    }
    const startedAt = this.now();
    try {
      const { callId } = await invite();
      this.set({
        current: { callId, kind, direction: 'outgoing', peerName, startedAt, answeredAt: null },
        notice: media.cameraFailed ? 'cameraUnavailable' : null,
      });
      await this.startSession(callId, media.stream);
    } catch (error) {
      media.stream.getTracks().forEach((track) => track.stop());
      const code = error instanceof SignalError ? error.code : 'failed';
      this.set({ notice: code === 'busy' || code === 'unavailable' ? code : 'failed' });
      if (code === 'busy' && kind === 'contact')
        void this.log({ callId: '', kind, direction: 'outgoing', peerName, startedAt, answeredAt: null }, 'busy');
    }
  }

  call(contact: { id: string; name: string }): Promise<void> {
    return this.startOutgoing('contact', contact.name, () => this.channel.request('call:invite', { to: contact.id }));
  }

  meeting(name: string, invitees: string[]): Promise<void> {
    return this.startOutgoing('group', name, () => this.channel.request('meeting:create', { name, invitees }));
  }

  /** Accept the ringing call: the banner stays (as "starting camera") until media is there. */
  async accept(): Promise<void> {
    const call = this.state.incoming;
    if (!call || call.accepting) return;
    this.set({ incoming: { ...call, accepting: true } });
    const media = await this.openMedia();
    if (this.state.incoming?.callId !== call.callId) {
      // It stopped ringing meanwhile (cancelled, answered elsewhere).
      media?.stream.getTracks().forEach((track) => track.stop());
      return;
    }
    if (!media) {
      this.set({ incoming: { ...call, accepting: false }, notice: 'noMedia' });
      return;
    }
    this.set({
      incoming: null,
      notice: media.cameraFailed ? 'cameraUnavailable' : null,
      current: {
        callId: call.callId,
        kind: call.kind,
        direction: 'incoming',
        peerName: call.kind === 'group' ? call.name : call.from.name,
        startedAt: call.at,
        answeredAt: this.now(),
      },
    });
    const session = await this.startSession(call.callId, media.stream);
    try {
      const { peers } = await this.channel.request('call:accept', { callId: call.callId });
      for (const peer of peers) session.expect(peer);
    } catch {
      this.set({ notice: 'failed' });
      super.endCall(false);
    }
  }

  async decline(): Promise<void> {
    const call = this.state.incoming;
    if (!call) return;
    this.set({ incoming: null });
    await this.channel.request('call:decline', { callId: call.callId }).catch(() => {});
    void this.log(
      {
        callId: call.callId,
        kind: call.kind,
        direction: 'incoming',
        peerName: call.kind === 'group' ? call.name : call.from.name,
        startedAt: call.at,
        answeredAt: null,
      },
      'declined',
    );
  }

  /** Let a waiting patient in: the camera opened at the knock, the session, then the server connects us. */
  async admit(callId: string): Promise<void> {
    const knock = this.state.knocks.find((k) => k.callId === callId);
    if (!knock) return;
    if (this.state.current || this.admitting) {
      this.set({ notice: 'inCall' });
      return;
    }
    // The call screen is shown once our answer has left (at the latest after a second): rendered before,
    // it held this page's thread while the patient's offer waited to be answered (issue 13). Until then,
    // this is the call in progress (a second "Admit" is refused, a hang-up logged).
    const admitting: Current = {
      callId,
      kind: 'guest',
      direction: 'incoming',
      peerName: knock.guest.name,
      startedAt: knock.at,
      answeredAt: this.now(),
    };
    this.admitting = admitting;
    const prepared = this.prepared?.callId === callId ? this.prepared : null;
    if (prepared) this.prepared = null;
    else this.releasePrepared(); // made for another patient's knock
    const media = (await prepared?.media) ?? (await this.openMedia());
    if (!media) {
      if (this.admitting === admitting) this.admitting = null;
      this.set({ notice: 'noMedia' });
      return;
    }
    let session = (await prepared?.session) ?? null;
    if (!session) {
      session = await this.makeSession(callId, media.stream, () => this.showAdmitted(callId));
      session.expect(knock.guest);
    }
    if (this.admitting !== admitting) {
      // Hung up (or the app signed out) while the camera or the connection was being made.
      session.close();
      media.stream.getTracks().forEach((track) => track.stop());
      return;
    }
    this.useSession(session);
    session.listen();
    this.set({
      knocks: this.state.knocks.filter((k) => k.callId !== callId),
      notice: media.cameraFailed ? 'cameraUnavailable' : null,
    });
    try {
      const { signals } = await this.channel.request('call:admit', { callId });
      // The patient's offer and candidates, made while waiting: answered at once.
      for (const signal of signals ?? []) session.receive(knock.guest.id, signal);
      setTimeout(() => this.showAdmitted(callId), SCREEN_AFTER_MS);
    } catch {
      this.admitting = null;
      this.set({ notice: 'failed' });
      super.endCall(false);
    }
  }

  async deny(callId: string): Promise<void> {
    this.set({ knocks: this.state.knocks.filter((k) => k.callId !== callId) });
    this.releasePrepared(callId);
    await this.channel.request('call:deny', { callId }).catch(() => {});
  }

  override close(): void {
    this.releasePrepared();
    super.close();
    this.set({ incoming: null, knocks: [], connected: false });
  }
}

/** The patient's side: join the waiting room, be admitted, the call, the end. */
export class GuestCallController extends CallCore {
  private local: MediaStream | null = null;

  constructor(deps: CallDeps) {
    super(deps);
    this.listen('call:denied', () => this.finish('denied'));
  }

  /** The local media chosen in the device check. */
  useMedia(stream: MediaStream): void {
    this.local = stream;
  }

  protected override async openMedia() {
    if (this.local) return { stream: this.local, cameraFailed: this.local.getVideoTracks().length === 0 };
    return super.openMedia();
  }

  /** The waiting call's peer connection, being made ahead of the admission (see `prepare`). */
  private preparing: { callId: string; session: Promise<CallSession | null> } | null = null;
  /** What it signalled (offer, candidates), in order; `sent` of them the server answered. */
  private ahead: { callId: string; signals: HeldSignal[]; sent: number; sending: boolean } | null = null;

  /**
   * A connection made ahead is not a call in progress: after a dropped connection, a patient admitted
   * meanwhile must be brought back into the call (`call:rejoin`), not told it still holds it.
   */
  override liveCallId(): string | null {
    const { session } = this.state;
    return session && !session.waitingAhead ? session.callId : null;
  }

  /** Admitted while our connection was away: the practitioner connects afresh, not to the link made ahead. */
  protected override async rejoined(event: ServerPayload<'call:rejoin'>): Promise<void> {
    const { session } = this.state;
    if (session?.callId === event.callId && session.waitingAhead) {
      session.close();
      this.set({ session: null });
      this.preparing = null;
      this.ahead = null;
    }
    await super.rejoined(event);
  }

  /** Connected (again): into the waiting room, or back into the call (the server sends call:rejoin). */
  async join(name: string, consent: boolean): Promise<void> {
    try {
      const answer = await this.channel.request('guest:join', { name, consent });
      if (answer.status === 'waiting' && this.state.phase !== 'call') {
        this.set({ phase: 'waiting' });
        this.prepare(answer.callId);
      }
      // Back after a dropped connection: what got lost on the way goes again (held, or relayed).
      this.sendAhead(answer.callId);
    } catch {
      this.finish('invalid');
    }
  }

  /**
   * While the patient waits, the connection is made ready: the peer connection, its offer and its
   * candidates, held by the server for whoever admits. "Admit" then goes straight to the practitioner's
   * answer, without the trip to the patient and back and the offer's making on a busy phone (issue 13).
   */
  private prepare(callId: string): void {
    if (this.preparing?.callId === callId || this.state.session?.callId === callId) return;
    const session = (async (): Promise<CallSession | null> => {
      const media = await this.openMedia();
      if (!media || this.state.phase !== 'waiting') return null;
      const made = await this.makeSession(callId, media.stream, undefined, () => this.showCall(made));
      // Still waiting (not denied, ended or brought back into a call meanwhile)?
      if (this.state.phase !== 'waiting' || this.preparing?.callId !== callId) {
        made.close();
        return null;
      }
      this.useSession(made);
      made.signalAhead((signal) => {
        // An offer and its candidates is all a waiting page's connection signals (the server takes no more).
        const held = heldSignalSchema.safeParse(signal);
        if (!held.success) return;
        if (this.ahead?.callId !== callId) this.ahead = { callId, signals: [], sent: 0, sending: false };
        this.ahead.signals.push(held.data);
        this.sendAhead(callId);
      });
      return made;
    })().catch(() => null); // not ready: the admission makes the connection, as without this
    this.preparing = { callId, session };
  }

  /**
   * What the link made ahead signals, to the server, in order, whatever has gathered in one request (a
   * candidate never overtakes the offer): held until the admission, or relayed to the practitioner when it
   * arrives after it. A request lost with the connection is sent again when it is back (`join`); one the
   * server refused is skipped.
   */
  private sendAhead(callId: string): void {
    const ahead = this.ahead;
    if (!ahead || ahead.callId !== callId || ahead.sending || ahead.sent >= ahead.signals.length) return;
    ahead.sending = true;
    const batch = ahead.signals.slice(ahead.sent, ahead.sent + MAX_HELD_SIGNALS);
    const next = () => {
      ahead.sending = false;
      ahead.sent += batch.length;
      this.sendAhead(callId);
    };
    this.channel.request('guest:signal', { callId, signals: batch }).then(next, (error) => {
      if (error instanceof SignalError) next();
      else ahead.sending = false;
    });
  }

  /**
   * The practitioner admitted us. With the connection made ahead, it is theirs now; otherwise we start it.
   * The call screen follows once the connection is up (or our offer is on its way): rendered first, it held
   * the page's only thread for 100–230 ms (two long tasks, measured on a loaded machine; more on an old
   * phone) while the practitioner's answer waited to be applied (issue 13). At the latest after a second.
   */
  protected override peerJoined(event: ServerPayload<'call:peer-joined'>): void {
    void this.admitted(event);
  }

  private async admitted(event: ServerPayload<'call:peer-joined'>): Promise<void> {
    const ahead = this.preparing?.callId === event.callId ? await this.preparing.session : null;
    const { session } = this.state;
    // (Already adopted: the practitioner's answer came first — it cannot on one connection, but costs nothing.)
    if (ahead && session === ahead && !event.rejoin && (ahead.adopt(event.peer) || ahead.knows(event.peer.id))) {
      // What is still queued goes on (the server relays it now); what the link signals from now on goes
      // to the practitioner as an ordinary signal.
      this.sendAhead(event.callId);
      setTimeout(() => this.showCall(ahead), SCREEN_AFTER_MS);
      return;
    }
    if (session?.callId === event.callId) {
      super.peerJoined(event);
      return;
    }
    const media = await this.openMedia();
    if (!media) return;
    let made: CallSession | null = null;
    const show = () => this.showCall(made);
    made = await this.startSession(event.callId, media.stream, show);
    made.connect(event.peer, true);
    // Shown anyway if no offer can leave (the call screen then shows the connection's state).
    setTimeout(show, SCREEN_AFTER_MS);
  }

  /** The call screen, for the session still in progress (not while waiting: a prepared offer also connects). */
  private showCall(session: CallSession | null): void {
    const { phase } = this.state;
    if (!session || this.state.session !== session || phase === 'call' || phase === 'ended') return;
    if (session.waitingAhead) return;
    this.set({ phase: 'call' });
  }

  override endCall(notify = true, reason: 'ended' | 'hangup' = 'hangup'): Current | null {
    const current = super.endCall(notify, reason);
    this.finish('ended');
    return current;
  }

  finish(reason: 'ended' | 'denied' | 'invalid'): void {
    if (this.state.phase === 'ended') return;
    const { session } = this.state;
    session?.close();
    this.local?.getTracks().forEach((track) => track.stop());
    this.local = null;
    this.set({ session: null, phase: 'ended', ended: reason });
  }
}
