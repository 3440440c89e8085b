/**
 * The call controllers of both sides, without React and without a browser: real socket.io clients in Node
 * against the real server, with recorded stand-ins where only a browser has the thing (camera, peer
 * connections). Knock → admit → both sides' peer connections set up → hang-up; the camera opened at the
 * knock, before "Admit"; accepting when the camera fails (sound only) or when nothing works (still ringing,
 * with a notice); busy; malformed events from the server are dropped.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallSession } from '../../../src-renderer/calls/callSession';
import type { SignalPayload } from '../../../protocol/calls';
import {
  GuestCallController,
  StaffCallController,
  type CallLogRow,
  type MediaSource,
} from '../../../src-renderer/calls/callController';
import { SignalChannel } from '../../../src-renderer/calls/signallingClient';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
const sockets: Socket[] = [];
const PASSWORD = 'Bright-Window-58';

beforeAll(async () => {
  f = await startServerFixture({ timing: { ringMs: 5_000, graceMs: 300 } });
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await f?.close();
});

/** A MediaStream stand-in: tracks that record being stopped. */
function fakeStream(kinds: ('audio' | 'video')[]) {
  const tracks = kinds.map((kind) => ({
    kind,
    stopped: false,
    stop() {
      this.stopped = true;
    },
  }));
  return {
    getTracks: () => tracks,
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    tracks,
  } as unknown as MediaStream & { tracks: typeof tracks };
}

/** Camera and microphone that work, fail, or count how often they were opened. */
function media(options: { camera?: boolean; microphone?: boolean } = {}) {
  const opened: string[] = [];
  const source: MediaSource = {
    camera: async () => {
      opened.push('camera');
      if (options.camera === false) throw new Error('NotReadableError');
      return fakeStream(['audio', 'video']);
    },
    microphone: async () => {
      opened.push('microphone');
      if (options.microphone === false) throw new Error('NotAllowedError');
      return fakeStream(['audio']);
    },
  };
  return { source, opened };
}

/** Records what the controller asks of its peer connections. */
interface RecordedSession {
  callId: string;
  connected: { id: string; initiator: boolean }[];
  expected: string[];
  /** Signals handed to the session (the patient's offer in the admission's answer). */
  received: { from: string; type: string | undefined }[];
  /** A link made ahead (`signalAhead`), and who adopted it. */
  ahead: 'none' | 'waiting' | 'adopted';
  adoptedBy: string | null;
  /** Whether it takes relayed signals (a session made ahead on one of several devices does not). */
  listening: boolean;
  closed: boolean;
}
/** `ahead`: what a link made ahead signals — its offer and a candidate, or nothing yet (a slow phone). */
function sessions(ahead: 'signals' | 'nothing' = 'signals') {
  const made: RecordedSession[] = [];
  const factory = (_channel: SignalChannel, callId: string, local: MediaStream) => {
    const record: RecordedSession = {
      callId,
      connected: [],
      expected: [],
      received: [],
      ahead: 'none',
      adoptedBy: null,
      listening: true,
      closed: false,
    };
    made.push(record);
    return {
      callId,
      local,
      remotes: [],
      connect: (peer: { id: string }, initiator: boolean) => record.connected.push({ id: peer.id, initiator }),
      expect: (peer: { id: string }) => record.expected.push(peer.id),
      receive: (from: string, data: SignalPayload) => record.received.push({ from, type: data.type }),
      signalAhead: (send: (signal: SignalPayload) => void) => {
        record.ahead = 'waiting';
        if (ahead === 'nothing') return;
        send({ type: 'offer', sdp: `v=0\r\no=- ${callId} 2 IN IP4 127.0.0.1\r\n` });
        send({ type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host' } });
      },
      adopt: (peer: { id: string }) => {
        if (record.ahead !== 'waiting') return null;
        record.ahead = 'adopted';
        record.adoptedBy = peer.id;
        return {};
      },
      knows: (peerId: string) => record.adoptedBy === peerId || record.connected.some((c) => c.id === peerId),
      get waitingAhead() {
        return record.ahead === 'waiting';
      },
      standBy: () => {
        record.listening = false;
      },
      listen: () => {
        record.listening = true;
      },
      drop: () => {},
      close: () => {
        record.closed = true;
      },
    } as unknown as CallSession;
  };
  return { made, factory };
}

async function registered(name: string, organisationId: string | null = null) {
  const { token } = (await f.server.accounts.invite({
    email: `${name}@ctl.example`,
    role: 'member',
    organisationId,
    language: 'en',
    name,
  }))!;
  const session = (await f.api('POST', `/api/registration/${token}`, { username: name, password: PASSWORD })).body;
  await f.api('POST', '/api/account/registration/pin', undefined, session.accessToken);
  await f.api('POST', '/api/account/registration/pin/confirm', undefined, session.accessToken);
  const me = (await f.api('POST', '/api/account/registration/finish', undefined, session.accessToken)).body;
  return { id: me.id as string, accessToken: session.accessToken as string };
}

async function open(auth: Record<string, string>): Promise<Socket> {
  const socket = connect(f.base, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  // Connected is not yet registered (online): a call placed in between would find the colleague unavailable.
  // An acknowledged event is answered only after the registration.
  await socket.timeout(5000).emitWithAck('presence:set', { status: 'online' });
  return socket;
}

/** What the server holds of a waiting patient's signals (in the call's stored document). */
async function held(callId: string): Promise<string[]> {
  const row = await f.db.selectFrom('signal_calls').select('data').where('id', '=', callId).executeTakeFirst();
  return row ? ((JSON.parse(row.data) as { held?: SignalPayload[] }).held ?? []).map((s) => s.type) : [];
}

/** A patient in the waiting room of `host`: invited, the code redeemed, the page joined with its camera. */
async function waitingPatient(
  host: { accessToken: string },
  name: string,
  factory: ReturnType<typeof sessions>['factory'],
): Promise<{ patient: GuestCallController; invitation: { id: string; code: string } }> {
  const created = (await f.api('POST', '/api/calls/invitations', { label: name }, host.accessToken)).body;
  const invitation = { id: String(created.id), code: String(created.code) };
  const { guestToken } = (await f.api('POST', '/api/guest/redeem', { code: invitation.code })).body;
  const patient = new GuestCallController({
    socket: await open({ guest: guestToken }),
    media: media().source,
    iceServers: async () => [],
    createSession: factory,
  });
  patient.useMedia(fakeStream(['audio', 'video']));
  await patient.join(name, true);
  return { patient, invitation };
}

function staff(socket: Socket, source: MediaSource, factory: ReturnType<typeof sessions>['factory']) {
  const log: CallLogRow[] = [];
  const notified: string[] = [];
  const controller = new StaffCallController({
    socket,
    media: source,
    iceServers: async () => [],
    createSession: factory,
    log: async (row) => void log.push(row),
    notify: (kind, name) => void notified.push(`${kind}:${name}`),
  });
  return { controller, log, notified };
}

describe('call controllers against the real server', () => {
  it('knock → camera opened at once → admit → both sides connect → hang-up ends both, one log row', async () => {
    const host = await registered('dr.ctl');
    const hostMedia = media();
    const hostSessions = sessions();
    const practitioner = staff(await open({ token: host.accessToken }), hostMedia.source, hostSessions.factory);

    const guestSessions = sessions();
    const { patient, invitation } = await waitingPatient(host, 'Eva Ek', guestSessions.factory);
    expect(patient.state.phase).toBe('waiting');

    await expect.poll(() => practitioner.controller.state.knocks.map((k) => k.guest.name)).toEqual(['Eva Ek']);
    expect(practitioner.notified).toContain('knock:Eva Ek');
    // The camera opens while the patient waits, not at "Admit", and so does the answering connection.
    await expect.poll(() => hostMedia.opened).toEqual(['camera']);
    await expect
      .poll(() => hostSessions.made[0]?.connected)
      .toEqual([{ id: `guest:${invitation.id}`, initiator: false }]);

    // A connection made ahead is no call in progress: a reconnecting page must not claim to hold one.
    expect(patient.liveCallId()).toBeNull();
    // The patient's page made its offer (and gathered a candidate) while waiting: the server holds them.
    await expect.poll(() => guestSessions.made[0]?.ahead).toBe('waiting');
    const callId = practitioner.controller.state.knocks[0]!.callId;
    await expect.poll(() => held(callId)).toEqual(['offer', 'candidate']);
    await practitioner.controller.admit(callId);
    expect(hostMedia.opened).toEqual(['camera']); // no second camera
    expect(hostSessions.made).toHaveLength(1); // nor a second connection
    expect(practitioner.controller.state.knocks).toEqual([]);
    expect(hostSessions.made[0]!.expected).toEqual([`guest:${invitation.id}`]);
    // The practitioner answers the offer that came with the admission: no trip to the patient and back.
    expect(hostSessions.made[0]!.received).toEqual([
      { from: `guest:${invitation.id}`, type: 'offer' },
      { from: `guest:${invitation.id}`, type: 'candidate' },
    ]);
    expect(await held(callId)).toEqual([]);
    // The patient's prepared connection is now the practitioner's; no second one is started.
    await expect.poll(() => guestSessions.made[0]?.adoptedBy).toBe(host.id);
    expect(patient.liveCallId()).toBe(callId);
    expect(hostSessions.made[0]!.listening).toBe(true);
    expect(guestSessions.made).toHaveLength(1);
    expect(guestSessions.made[0]!.connected).toEqual([]);
    // Both screens follow the connection (this stand-in connects nothing: at the latest after a second).
    await expect.poll(() => patient.state.phase).toBe('call');
    await expect
      .poll(() => practitioner.controller.state.current)
      .toMatchObject({ callId, kind: 'guest', peerName: 'Eva Ek' });

    practitioner.controller.endCall(true);
    await expect.poll(() => patient.state.ended).toBe('ended');
    expect(guestSessions.made[0]!.closed).toBe(true);
    expect(hostSessions.made[0]!.closed).toBe(true);
    expect(practitioner.log).toEqual([
      expect.objectContaining({ status: 'answered', kind: 'guest', peerName: 'Eva Ek' }),
    ]);
    practitioner.controller.close();
  });

  it('admits a patient whose offer is not ready yet; a hang-up before the call screen is logged', async () => {
    const host = await registered('dr.late');
    const hostSessions = sessions();
    const practitioner = staff(await open({ token: host.accessToken }), media().source, hostSessions.factory);
    const guestSessions = sessions('nothing');
    const { patient } = await waitingPatient(host, 'Ola Berg', guestSessions.factory);
    await expect.poll(() => practitioner.controller.state.knocks.length).toBe(1);
    await expect.poll(() => guestSessions.made[0]?.ahead).toBe('waiting');
    const callId = practitioner.controller.state.knocks[0]!.callId;
    expect(await held(callId)).toEqual([]);
    await practitioner.controller.admit(callId);
    expect(hostSessions.made[0]!.received).toEqual([]);
    await expect.poll(() => guestSessions.made[0]?.adoptedBy).toBe(host.id);
    // Hung up before the practitioner's call screen showed (no answer has left yet): still the call in
    // progress — it ends on both sides, with one log row, as answered.
    expect(practitioner.controller.state.current).toBeNull();
    practitioner.controller.endCall(true);
    await expect.poll(() => patient.state.ended).toBe('ended');
    expect(practitioner.log).toEqual([expect.objectContaining({ status: 'answered', peerName: 'Ola Berg' })]);
    practitioner.controller.close();
  });

  it("a knock on two of the practitioner's devices: the one that admits connects; the other lets go", async () => {
    const host = await registered('dr.two');
    const deskMedia = media();
    const laptopMedia = media();
    const deskSessions = sessions();
    const laptopSessions = sessions();
    const desk = staff(await open({ token: host.accessToken }), deskMedia.source, deskSessions.factory);
    const laptop = staff(await open({ token: host.accessToken }), laptopMedia.source, laptopSessions.factory);
    const { patient } = await waitingPatient(host, 'Tor Lund', sessions().factory);
    // Both devices make ready, neither takes relayed signals while it has not admitted.
    await expect.poll(() => deskSessions.made[0]?.connected.length).toBe(1);
    await expect.poll(() => laptopSessions.made[0]?.connected.length).toBe(1);
    expect([deskSessions.made[0]!.listening, laptopSessions.made[0]!.listening]).toEqual([false, false]);
    const callId = desk.controller.state.knocks[0]!.callId;
    await desk.controller.admit(callId);
    expect(deskSessions.made[0]!.listening).toBe(true);
    // The laptop's knock goes, with its camera and its connection.
    await expect.poll(() => laptop.controller.state.knocks).toEqual([]);
    await expect.poll(() => laptopSessions.made[0]!.closed).toBe(true);
    expect(laptopSessions.made[0]!.listening).toBe(false);
    expect(laptopMedia.opened).toEqual(['camera']);
    expect(desk.controller.state.session).not.toBeNull();
    expect(laptop.controller.state.session).toBeNull();
    desk.controller.endCall(true);
    await expect.poll(() => patient.state.ended).toBe('ended');
    for (const c of [desk, laptop]) c.controller.close();
  });

  it('accepts with sound only when the camera fails, and keeps ringing with a notice when nothing works', async () => {
    const upgrade = await registered('ana.ctl');
    const org = (await f.api('POST', '/api/account/organisation', { name: 'Ctl' }, upgrade.accessToken)).body;
    const ben = await registered('ben.ctl', org.id);
    const cem = await registered('cem.ctl', org.id);

    const caller = staff(await open({ token: upgrade.accessToken }), media().source, sessions().factory);
    const benMedia = media({ camera: false });
    const benCalls = staff(await open({ token: ben.accessToken }), benMedia.source, sessions().factory);
    await caller.controller.call({ id: ben.id, name: 'ben.ctl' });
    await expect.poll(() => benCalls.controller.state.incoming?.from.name).toBe('ana.ctl');
    await benCalls.controller.accept();
    expect(benMedia.opened).toEqual(['camera', 'microphone']);
    expect(benCalls.controller.state).toMatchObject({ notice: 'cameraUnavailable', incoming: null });
    expect(benCalls.controller.state.current?.answeredAt).not.toBeNull();
    benCalls.controller.endCall(true);
    // The caller sees the call end (the server's call:ended) before it calls the next colleague.
    await expect.poll(() => caller.controller.state.current).toBeNull();

    const cemCalls = staff(
      await open({ token: cem.accessToken }),
      media({ camera: false, microphone: false }).source,
      sessions().factory,
    );
    await caller.controller.call({ id: cem.id, name: 'cem.ctl' });
    await expect.poll(() => cemCalls.controller.state.incoming?.from.name).toBe('ana.ctl');
    await cemCalls.controller.accept();
    // Not lost: still ringing, with a notice, and it can still be declined.
    expect(cemCalls.controller.state).toMatchObject({ notice: 'noMedia', current: null });
    expect(cemCalls.controller.state.incoming).toMatchObject({ accepting: false });
    await cemCalls.controller.decline();
    await expect.poll(() => caller.controller.state.notice).toBe('declined');
    for (const c of [caller, benCalls, cemCalls]) c.controller.close();
  });

  it('logs "busy" when the callee is in another call', async () => {
    const owner = await registered('dora.ctl');
    const org = (await f.api('POST', '/api/account/organisation', { name: 'Ctl2' }, owner.accessToken)).body;
    const eli = await registered('eli.ctl', org.id);
    const fay = await registered('fay.ctl', org.id);
    const dora = staff(await open({ token: owner.accessToken }), media().source, sessions().factory);
    const eliCalls = staff(await open({ token: eli.accessToken }), media().source, sessions().factory);
    const fayCalls = staff(await open({ token: fay.accessToken }), media().source, sessions().factory);
    await dora.controller.call({ id: eli.id, name: 'eli.ctl' });
    await expect.poll(() => eliCalls.controller.state.incoming).not.toBeNull();
    await eliCalls.controller.accept();
    await fayCalls.controller.call({ id: eli.id, name: 'eli.ctl' });
    expect(fayCalls.controller.state.notice).toBe('busy');
    expect(fayCalls.log).toEqual([expect.objectContaining({ status: 'busy', direction: 'outgoing' })]);
    for (const c of [dora, eliCalls, fayCalls]) c.controller.close();
  });
});

describe('the signalling channel', () => {
  it('drops server events that do not fit the protocol', () => {
    const handlers = new Map<string, (payload: unknown) => void>();
    const socket = {
      on: (event: string, handler: (payload: unknown) => void) => handlers.set(event, handler),
      off: () => {},
      emit: () => {},
      timeout: () => ({ emitWithAck: async () => ({}) }),
    } as unknown as Socket;
    const channel = new SignalChannel(socket);
    const seen: unknown[] = [];
    channel.on('call:knock', (knock) => seen.push(knock));
    handlers.get('call:knock')!({ callId: 'c1', guest: { id: 'guest:1', name: 'Eva', kind: 'guest' } });
    handlers.get('call:knock')!({ callId: 'c2', guest: { name: 42 } });
    handlers.get('call:knock')!('<script>');
    expect(seen).toEqual([{ callId: 'c1', guest: { id: 'guest:1', name: 'Eva', kind: 'guest' } }]);
  });
});
