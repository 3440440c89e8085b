/**
 * Signalling against the real server on loopback with real socket.io clients: authentication, the call
 * lifecycle, busy and missed calls, relay only between participants (a non-participant can neither listen
 * nor inject), malformed events, guests redeeming invitations (wrong, expired and reused codes, lockout),
 * knocking and being admitted, and the call record written at hang-up.
 */
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HELD_SIGNALS } from '../../../protocol/calls';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
const sockets: Socket[] = [];
const PASSWORD = 'Bright-Window-58';

beforeAll(async () => {
  f = await startServerFixture({ timing: { ringMs: 400, graceMs: 300 } });
});
// A test that fails midway leaves no socket behind to keep its call going into the next test.
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(async () => {
  await f?.close();
});

interface Member {
  id: string;
  accessToken: string;
}

/** An organisation with an admin and colleagues, all registered. */
async function organisation(names: string[]): Promise<Member[]> {
  const members: Member[] = [];
  let organisationId: string | null = null;
  for (const [index, name] of names.entries()) {
    const { token } = (await f.server.accounts.invite({
      email: `${name}@clinic.example`,
      role: index === 0 ? 'member' : 'member',
      organisationId,
      language: 'en',
      name,
    }))!;
    const session = (await f.api('POST', `/api/registration/${token}`, { username: name, password: PASSWORD })).body;
    await f.api('POST', '/api/account/registration/pin', undefined, session.accessToken);
    await f.api('POST', '/api/account/registration/pin/confirm', undefined, session.accessToken);
    const me = (await f.api('POST', '/api/account/registration/finish', undefined, session.accessToken)).body;
    if (index === 0) {
      const upgraded = await f.api('POST', '/api/account/organisation', { name: 'Klinik' }, session.accessToken);
      organisationId = upgraded.body.id as string;
    }
    members.push({ id: me.id, accessToken: session.accessToken });
  }
  return members;
}

/**
 * A connected socket. With `seen`, every event it receives is recorded from before it connects: the server
 * sends some events (knocks, rejoin) during the connection itself, which a recorder attached afterwards
 * would miss — and a "never receives it" assertion would then pass even with the bug back in.
 */
async function open(auth: Record<string, string>, seen?: string[]): Promise<Socket> {
  const socket = connect(f.base, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  sockets.push(socket);
  if (seen) socket.onAny((event: string) => seen.push(event));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  socket.connect();
  await connected;
  // Connected is not yet registered: the server records the socket (and its peer as online) just after the
  // handshake. A colleague calling in between would find the peer unavailable; a test's call must not race it.
  await settled(socket);
  return socket;
}

/**
 * Everything the server sent a socket before this point has arrived: an acknowledged event is answered after
 * whatever the server emitted to it earlier (one ordered connection), so a negative check needs no sleep.
 */
const settled = async (socket: Socket): Promise<void> => {
  await socket
    .timeout(2000)
    .emitWithAck('presence:set', { status: 'online' })
    .catch(() => {});
};

const emit = <T = Record<string, unknown>>(socket: Socket, event: string, payload: unknown): Promise<T> =>
  socket.timeout(2000).emitWithAck(event, payload) as Promise<T>;

const next = <T = Record<string, unknown>>(socket: Socket, event: string, ms = 2000): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });

/** Collects every event a socket receives from now on, to prove it received nothing it should not. */
const record = (socket: Socket): string[] => {
  const seen: string[] = [];
  socket.onAny((event: string) => seen.push(event));
  return seen;
};

let ana: Member, ben: Member, cem: Member;

describe('signalling between colleagues', () => {
  beforeAll(async () => {
    [ana, ben, cem] = (await organisation(['ana', 'ben', 'cem'])) as [Member, Member, Member];
  });

  it('refuses sockets without a valid access token or ticket; a ticket opens one socket only', async () => {
    await expect(open({})).rejects.toThrow('unauthorized');
    await expect(open({ token: 'x'.repeat(43) })).rejects.toThrow('unauthorized');
    const { ticket } = (await f.api('POST', '/api/calls/ticket', undefined, ana.accessToken)).body;
    const socket = await open({ ticket });
    socket.disconnect();
    await expect(open({ ticket })).rejects.toThrow('unauthorized');
  });

  it('rings, connects, relays signals between participants only, and records the call at hang-up', async () => {
    const a = await open({ token: ana.accessToken });
    const b = await open({ token: ben.accessToken });
    const c = await open({ token: cem.accessToken });
    const cSeen = record(c);
    expect((await emit(a, 'presence:watch', {})).statuses).toEqual({ [ben.id]: 'online', [cem.id]: 'online' });

    const incoming = next(b, 'call:incoming');
    const invited = await emit<{ callId: string }>(a, 'call:invite', { to: ben.id });
    expect(await incoming).toMatchObject({
      callId: invited.callId,
      kind: 'contact',
      from: { id: ana.id, name: 'ana' },
    });
    const joined = next(a, 'call:peer-joined');
    const started = f.clock.now;
    expect(await emit(b, 'call:accept', { callId: invited.callId })).toMatchObject({
      peers: [{ id: ana.id }],
    });
    expect(await joined).toMatchObject({ callId: invited.callId, peer: { id: ben.id } });

    // Offers, answers and candidates pass between the two.
    const signal = next(b, 'signal');
    await emit(a, 'signal', { callId: invited.callId, to: ben.id, data: { type: 'offer', sdp: 'v=0\r\n' } });
    expect(await signal).toEqual({ callId: invited.callId, from: ana.id, data: { type: 'offer', sdp: 'v=0\r\n' } });

    // A colleague outside the call can neither inject nor join nor listen.
    expect(
      await emit(c, 'signal', { callId: invited.callId, to: ben.id, data: { type: 'offer', sdp: 'evil' } }),
    ).toEqual({ error: { code: 'not_participant' } });
    expect(await emit(c, 'call:accept', { callId: invited.callId })).toEqual({ error: { code: 'not_invited' } });
    expect(await emit(c, 'call:hangup', { callId: invited.callId })).toEqual({ error: { code: 'not_participant' } });
    // …and a caller during the consultation hears "busy".
    expect(await emit(c, 'call:invite', { to: ana.id })).toEqual({ error: { code: 'busy' } });
    expect((await emit(c, 'presence:watch', {})).statuses).toMatchObject({ [ana.id]: 'in_call' });

    // Malformed events change nothing and say why.
    const complaint = next(a, 'error:event');
    expect(await emit(a, 'signal', { callId: 'nope', to: ben.id, data: { type: 'offer' } })).toMatchObject({
      error: { code: 'bad_request' },
    });
    expect(await complaint).toMatchObject({ event: 'signal', code: 'bad_request' });
    expect(
      await emit(a, 'signal', {
        callId: invited.callId,
        to: ben.id,
        data: { type: 'offer', sdp: 'x'.repeat(200_000) },
      }),
    ).toMatchObject({ error: { code: 'bad_request' } });

    f.clock.now += 95_000;
    const ended = next(b, 'call:ended');
    await emit(a, 'call:hangup', { callId: invited.callId });
    await ended;
    expect(cSeen.filter((e) => e.startsWith('call:') || e === 'signal')).toEqual([]);

    await expect
      .poll(() => f.db.selectFrom('call_records').select(['kind', 'duration_s', 'started_at']).execute())
      .toEqual([{ kind: 'contact', duration_s: 95, started_at: started }]);
    for (const s of [a, b, c]) s.disconnect();
  });

  it("a call accepted on one device stops the ringing on the same user's other device", async () => {
    const a = await open({ token: ana.accessToken });
    const desk = await open({ token: ben.accessToken });
    const laptop = await open({ token: ben.accessToken });
    const ringDesk = next<{ callId: string }>(desk, 'call:incoming');
    const ringLaptop = next<{ callId: string }>(laptop, 'call:incoming');
    const { callId } = await emit<{ callId: string }>(a, 'call:invite', { to: ben.id });
    await Promise.all([ringDesk, ringLaptop]);
    const elsewhere = next(laptop, 'call:answered-elsewhere');
    const deskSeen = record(desk);
    await emit(desk, 'call:accept', { callId });
    expect(await elsewhere).toEqual({ callId });
    expect(deskSeen).not.toContain('call:answered-elsewhere');
    expect(await emit(laptop, 'call:accept', { callId })).toEqual({ error: { code: 'not_invited' } });
    await emit(a, 'call:hangup', { callId });
    for (const s of [a, desk, laptop]) s.disconnect();
  });

  it('a call nobody answers is missed after the ring timeout; a declined call tells the caller', async () => {
    const a = await open({ token: ana.accessToken });
    const b = await open({ token: ben.accessToken });
    const missed = next(b, 'call:missed');
    const noAnswer = next(a, 'call:no-answer');
    await emit(a, 'call:invite', { to: ben.id });
    expect(await missed).toMatchObject({ from: { id: ana.id } });
    expect(await noAnswer).toMatchObject({ peerId: ben.id });

    const declined = next(a, 'call:declined');
    const incoming = next<{ callId: string }>(b, 'call:incoming');
    await emit(a, 'call:invite', { to: ben.id });
    await emit(b, 'call:decline', { callId: (await incoming).callId });
    expect(await declined).toMatchObject({ peerId: ben.id });
    expect(await f.server.signalling.callCount()).toBe(0);
    a.disconnect();
    b.disconnect();
  });

  it('a group meeting meshes up to four: those already in connect to each newcomer', async () => {
    const a = await open({ token: ana.accessToken });
    const b = await open({ token: ben.accessToken });
    const c = await open({ token: cem.accessToken });
    expect(
      await emit(a, 'meeting:create', {
        name: 'Too many',
        invitees: [ben.id, cem.id, ana.id, ben.id].map(() => randomUUID()),
      }),
    ).toMatchObject({ error: { code: 'bad_request' } }); // four invitees: five with the host
    const bRings = next<{ callId: string; kind: string; name: string }>(b, 'call:incoming');
    const cRings = next<{ callId: string }>(c, 'call:incoming');
    const { callId } = await emit<{ callId: string }>(a, 'meeting:create', {
      name: 'Fallbesprechung',
      invitees: [ben.id, cem.id],
    });
    expect(await bRings).toMatchObject({ callId, kind: 'group', name: 'Fallbesprechung' });
    await cRings;
    const aSeesBen = next(a, 'call:peer-joined');
    await emit(b, 'call:accept', { callId });
    expect(await aSeesBen).toMatchObject({ peer: { id: ben.id } });
    const aSeesCem = next(a, 'call:peer-joined');
    const bSeesCem = next(b, 'call:peer-joined');
    expect(await emit(c, 'call:accept', { callId })).toMatchObject({ peers: [{ id: ana.id }, { id: ben.id }] });
    expect(await aSeesCem).toMatchObject({ peer: { id: cem.id } });
    expect(await bSeesCem).toMatchObject({ peer: { id: cem.id } });
    const relayed = next(c, 'signal');
    await emit(b, 'signal', { callId, to: cem.id, data: { type: 'offer', sdp: 'v=0' } });
    expect(await relayed).toMatchObject({ from: ben.id });
    // One leaves: the meeting goes on for the other two.
    const left = next(a, 'call:peer-left');
    await emit(c, 'call:hangup', { callId });
    expect(await left).toMatchObject({ peerId: cem.id });
    // Who left is out of the relay at once (its entry follows the change, not its expiry); the others are not.
    const offer = { type: 'offer', sdp: 'v=0' };
    expect(await emit(b, 'signal', { callId, to: cem.id, data: offer })).toEqual({
      error: { code: 'not_participant' },
    });
    expect(await emit(c, 'signal', { callId, to: ben.id, data: offer })).toEqual({
      error: { code: 'not_participant' },
    });
    // Nor does a participant signal itself.
    expect(await emit(b, 'signal', { callId, to: ben.id, data: offer })).toEqual({
      error: { code: 'not_participant' },
    });
    const stillRelayed = next(a, 'signal');
    expect(await emit(b, 'signal', { callId, to: ana.id, data: offer })).toEqual({ relayed: true });
    expect(await stillRelayed).toMatchObject({ from: ben.id });
    const ended = next(b, 'call:ended');
    await emit(a, 'call:hangup', { callId });
    await ended;
    for (const s of [a, b, c]) s.disconnect();
  });

  it('a participant who reloads rejoins the call, and the other side reconnects to it', async () => {
    const a = await open({ token: ana.accessToken });
    let b = await open({ token: ben.accessToken });
    const incoming = next<{ callId: string }>(b, 'call:incoming');
    const { callId } = await emit<{ callId: string }>(a, 'call:invite', { to: ben.id });
    await emit(b, 'call:accept', { callId: (await incoming).callId });
    const stale = b.id!;
    b.disconnect(); // the page reloads
    // Without a tab id (the next test has one) only the order tells a reload from a second device: the new
    // page comes back after the server has seen the old one go.
    await expect
      .poll(
        async () =>
          (await f.db.selectFrom('signal_sockets').select('socket_id').where('socket_id', '=', stale).execute()).length,
      )
      .toBe(0);
    const again = next(a, 'call:peer-joined');
    b = connect(f.base, {
      auth: { token: ben.accessToken },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    sockets.push(b);
    expect(await next(b, 'call:rejoin')).toMatchObject({ callId, peers: [{ id: ana.id }] });
    expect(await again).toMatchObject({ callId, peer: { id: ben.id }, rejoin: true });
    await emit(a, 'call:hangup', { callId });
    a.disconnect();
    b.disconnect();
  });
  it('a page reloading while its old socket still counts on a dead, not yet found dead process is rejoined; another tab is not', async () => {
    const tab = 'tab-of-bens-window-1';
    const a = await open({ token: ana.accessToken });
    const b = await open({ token: ben.accessToken, tab });
    const incoming = next<{ callId: string }>(b, 'call:incoming');
    const { callId } = await emit<{ callId: string }>(a, 'call:invite', { to: ben.id });
    await emit(b, 'call:accept', { callId: (await incoming).callId });
    // Ben's socket is on a process that has just died: its heartbeat is recent, so it still counts as
    // online (the others find it dead only after DEAD_AFTER_MS). Here: the row moves to a "ghost" process
    // that beat a moment ago, and the socket's end is not this process's to record.
    await f.db
      .insertInto('signal_processes')
      .values({ id: 'ghost-process', seen_at: Date.now() + 60_000 })
      .execute();
    await f.db
      .updateTable('signal_sockets')
      .set({ process_id: 'ghost-process' })
      .where('socket_id', '=', b.id!)
      .execute();
    const stale = b.id!;
    b.disconnect();
    const bensSockets = async () =>
      (await f.db.selectFrom('signal_sockets').select('socket_id').where('peer_id', '=', ben.id).execute()).map(
        (r) => r.socket_id,
      );
    // Another tab of Ben's (a second device) connects: it is not a reload, and the call is left alone.
    const otherSeen: string[] = [];
    const other = await open({ token: ben.accessToken, tab: 'tab-of-bens-laptop-2' }, otherSeen);
    await settled(other);
    expect(otherSeen).not.toContain('call:rejoin');
    // The dead process's socket still counts (this process does not remove another's rows).
    expect((await bensSockets()).sort()).toEqual([stale, other.id].sort());

    // Ben's page reloads in the same tab: the tab's earlier socket is replaced and the call rejoined.
    const again = next(a, 'call:peer-joined');
    const reloadedSeen: string[] = [];
    const reloaded = await open({ token: ben.accessToken, tab }, reloadedSeen);
    await settled(reloaded);
    expect(reloadedSeen).toContain('call:rejoin');
    expect(await again).toMatchObject({ callId, peer: { id: ben.id }, rejoin: true });
    expect((await bensSockets()).sort()).toEqual([other.id, reloaded.id].sort());

    // The laptop's tab reloads too: its socket never held the call, so the call stays where it is.
    const laptopSeen: string[] = [];
    const laptop = await open({ token: ben.accessToken, tab: 'tab-of-bens-laptop-2' }, laptopSeen);
    await settled(laptop);
    expect(laptopSeen).not.toContain('call:rejoin');
    expect((await bensSockets()).sort()).toEqual([laptop.id, reloaded.id].sort());

    await emit(a, 'call:hangup', { callId });
    for (const socket of [a, other, reloaded, laptop]) socket.disconnect();
    await f.db.deleteFrom('signal_processes').where('id', '=', 'ghost-process').execute();
  });

  it('ignores a malformed tab or resume in the handshake (the socket connects as a plain one)', async () => {
    const seen: string[] = [];
    const socket = await open({ token: ana.accessToken, tab: 'x', resume: 'not-a-call' }, seen);
    await settled(socket);
    const [row] = await f.db.selectFrom('signal_sockets').selectAll().where('socket_id', '=', socket.id!).execute();
    expect(row).toMatchObject({ peer_id: ana.id, tab_id: null });
    socket.disconnect();
  });
});

describe('patients as guests', () => {
  let host: Member;
  beforeAll(async () => {
    [host] = (await organisation(['dr.diaz'])) as [Member];
  });

  const redeem = (body: object) => f.api('POST', '/api/guest/redeem', body);

  it('redeems a code once; expired and reused invitations are refused clearly', async () => {
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Frau Berg' }, host.accessToken)).body;
    expect(created.code).toMatch(/^[1-9]\d{8}$/);
    expect(created.link).toMatch(/\/join\/[A-Za-z0-9_-]{43}$/);
    const spaced = `${created.code.slice(0, 3)} ${created.code.slice(3, 6)} ${created.code.slice(6)}`;
    const ok = await redeem({ code: spaced });
    expect(ok.body).toMatchObject({
      practitionerName: 'dr.diaz',
      organisationName: 'Klinik',
      consentRequired: true,
      practice: null,
    });
    expect((await redeem({ code: created.code })).body.error.code).toBe('invitation_used');

    const later = (await f.api('POST', '/api/calls/invitations', { label: 'Herr Kurz' }, host.accessToken)).body;
    f.clock.now += 25 * 3_600_000; // a day is the default validity without an appointment
    expect((await redeem({ token: later.link.split('/').pop() })).body.error.code).toBe('invitation_expired');
    // Invitations hold no secret in the database.
    const stored = JSON.stringify(await f.db.selectFrom('call_invitations').selectAll().execute());
    expect(stored).not.toContain(created.code);
    expect(stored).not.toContain(created.link.split('/').pop());
  });

  it('a guest gives a name and consent, knocks, is admitted, and reaches nobody but the host', async () => {
    // A day passed in the test before: the host signs in again.
    host.accessToken = (await f.api('POST', '/api/auth/sign-in', { username: 'dr.diaz', password: PASSWORD })).body
      .accessToken as string;
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Frau Ek' }, host.accessToken)).body;
    const { guestToken } = (await redeem({ code: created.code })).body;
    const h = await open({ token: host.accessToken });
    const g = await open({ guest: guestToken });
    expect(await emit(g, 'guest:join', { name: 'Eva Ek', consent: false })).toEqual({
      error: { code: 'consent_required' },
    });
    const knock = next<{ callId: string; guest: { name: string } }>(h, 'call:knock');
    const joined = await emit<{ callId: string; status: string }>(g, 'guest:join', { name: 'Eva Ek', consent: true });
    expect(joined.status).toBe('waiting');
    expect((await knock).guest.name).toBe('Eva Ek');
    expect(
      (
        await f.db
          .selectFrom('call_invitations')
          .select('consent_at')
          .where('guest_name', '=', 'Eva Ek')
          .executeTakeFirstOrThrow()
      ).consent_at,
    ).toBe(f.clock.now);

    // Guests cannot call, watch presence, or signal outside their call.
    expect(await emit(g, 'call:invite', { to: host.id })).toEqual({ error: { code: 'forbidden' } });
    expect(await emit(g, 'presence:watch', {})).toEqual({ error: { code: 'forbidden' } });
    expect(await emit(g, 'signal', { callId: joined.callId, to: host.id, data: { type: 'offer', sdp: 'x' } })).toEqual({
      error: { code: 'not_participant' },
    });

    const admitted = next(g, 'call:peer-joined');
    expect(await emit(h, 'call:admit', { callId: joined.callId })).toMatchObject({ peers: [{ name: 'Eva Ek' }] });
    expect(await admitted).toMatchObject({ peer: { id: host.id } });
    const relayed = next(h, 'signal');
    await emit(g, 'signal', { callId: joined.callId, to: host.id, data: { type: 'offer', sdp: 'v=0' } });
    expect(await relayed).toMatchObject({ from: `guest:${created.id}` });

    const ice = await fetch(`${f.base}/api/calls/ice-servers`, { headers: { authorization: `Guest ${guestToken}` } });
    expect(ice.status).toBe(200);
    // The consultation is metered from the server's own record: connected at the admission (issue 12).
    const session = () =>
      f.db.selectFrom('video_sessions').selectAll().where('id', '=', joined.callId).executeTakeFirst();
    await expect.poll(async () => (await session())?.connected_at).toBe(f.clock.now);
    expect(await f.server.signalling.meteredCallIds()).toContain(joined.callId);
    f.clock.now += 12 * 60_000;
    await emit(h, 'call:hangup', { callId: joined.callId });
    await expect.poll(async () => (await session())?.ended_at).toBe(f.clock.now);
    expect(await session()).toMatchObject({ host_id: host.id, kind: 'guest' });
    h.disconnect();
    g.disconnect();
  });

  it('a patient who reloads in the waiting room keeps waiting: no call to rejoin', async () => {
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Frau Roos' }, host.accessToken)).body;
    const { guestToken } = (await redeem({ code: created.code })).body;
    const h = await open({ token: host.accessToken });
    const g = await open({ guest: guestToken });
    const knock = next(h, 'call:knock');
    const { callId } = await emit<{ callId: string }>(g, 'guest:join', { name: 'Ida Roos', consent: true });
    await knock;
    g.disconnect();
    const seen: string[] = [];
    const reloaded = await open({ guest: guestToken }, seen);
    expect(seen).not.toContain('call:rejoin');
    expect(await emit(reloaded, 'guest:join', { name: 'Ida Roos', consent: true })).toEqual({
      callId,
      status: 'waiting',
    });
    await emit(reloaded, 'call:hangup', { callId });
  });

  it("a waiting patient's offer and candidates are held for the practitioner who admits, and reach nobody before", async () => {
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Herr Dahl' }, host.accessToken)).body;
    const other = (await f.api('POST', '/api/calls/invitations', { label: 'Frau Lind' }, host.accessToken)).body;
    const { guestToken } = (await redeem({ code: created.code })).body;
    const otherToken = (await redeem({ code: other.code })).body.guestToken as string;
    const h = await open({ token: host.accessToken });
    const hSeen = record(h);
    const g = await open({ guest: guestToken });
    const stranger = await open({ guest: otherToken });
    const joined = await emit<{ callId: string }>(g, 'guest:join', { name: 'Nils Dahl', consent: true });
    const offer = (n: number) => ({ type: 'offer', sdp: `v=0\r\no=- ${n} 2 IN IP4 127.0.0.1\r\n` });
    const candidate = (port: number) => ({
      type: 'candidate',
      candidate: {
        candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host`,
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    });
    const { callId } = joined;
    const ahead = (socket: Socket, data: unknown, id = callId) =>
      emit(socket, 'guest:signal', { callId: id, signals: [data] });

    // Only an offer or a candidate, the offer first, only into the patient's own call, only from a patient.
    expect(await ahead(g, { type: 'answer', sdp: 'v=0' })).toMatchObject({ error: { code: 'bad_request' } });
    expect(await ahead(g, { type: 'offer' })).toMatchObject({ error: { code: 'bad_request' } });
    // Nothing beside: a candidate carrying an SDP (simple-peer would throw on it), an offer carrying a candidate.
    expect(await ahead(g, { ...candidate(5000), sdp: 'v=0' })).toMatchObject({ error: { code: 'bad_request' } });
    expect(await ahead(g, { ...offer(0), candidate: candidate(5000).candidate })).toMatchObject({
      error: { code: 'bad_request' },
    });
    expect(await ahead(g, candidate(5000))).toEqual({ error: { code: 'offer_first' } });
    expect(await ahead(g, offer(1), randomUUID())).toEqual({ error: { code: 'not_participant' } });
    expect(await ahead(stranger, offer(1))).toEqual({ error: { code: 'not_participant' } });
    expect(await ahead(h, offer(1))).toEqual({ error: { code: 'forbidden' } });

    expect(await ahead(g, offer(1))).toEqual({ status: 'held' });
    expect(await ahead(g, candidate(5001))).toEqual({ status: 'held' });
    // The page reloaded and made a new offer: it starts afresh. Candidates come in bursts, in one request.
    expect(await emit(g, 'guest:signal', { callId, signals: [offer(2), candidate(5002)] })).toEqual({
      status: 'held',
    });
    expect(await ahead(g, candidate(5003))).toEqual({ status: 'held' });
    // Sent again after a lost answer: held once.
    expect(await ahead(g, candidate(5003))).toEqual({ status: 'held' });
    await settled(h);
    expect(hSeen).not.toContain('signal');

    // The practitioner who admits gets them with the admission, in order, once.
    expect(await emit(h, 'call:admit', { callId })).toEqual({
      callId,
      peers: [{ id: `guest:${created.id}`, name: 'Nils Dahl', kind: 'guest' }],
      signals: [offer(2), candidate(5002), candidate(5003)],
    });
    const stored = await f.db.selectFrom('signal_calls').select('data').where('id', '=', callId).executeTakeFirst();
    expect(stored?.data).not.toContain('"held"');
    // The practitioner's devices stop showing the knock.
    await settled(h);
    expect(hSeen).toContain('call:knock-withdrawn');
    // Admitted, the rest is relayed like any signal.
    const relayed = next(h, 'signal');
    expect(await ahead(g, candidate(5004))).toEqual({ status: 'relayed' });
    expect(await relayed).toEqual({ callId, from: `guest:${created.id}`, data: candidate(5004) });
    await emit(h, 'call:hangup', { callId });
  });

  it('holds a bounded number of signals for a waiting patient', async () => {
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Frau Holm' }, host.accessToken)).body;
    const { guestToken } = (await redeem({ code: created.code })).body;
    const g = await open({ guest: guestToken });
    const { callId } = await emit<{ callId: string }>(g, 'guest:join', { name: 'Eva Holm', consent: true });
    const data = (n: number) =>
      n === 0
        ? { type: 'offer', sdp: 'v=0\r\n' }
        : { type: 'candidate', candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${4000 + n} typ host` } };
    const signal = (n: number) => emit(g, 'guest:signal', { callId, signals: [data(n)] });
    const all = Array.from({ length: MAX_HELD_SIGNALS + 1 }, (_, n) => data(n));
    expect(await emit(g, 'guest:signal', { callId, signals: all })).toMatchObject({ error: { code: 'bad_request' } });
    for (let n = 0; n < MAX_HELD_SIGNALS; n += 1) expect(await signal(n)).toEqual({ status: 'held' });
    expect(await signal(MAX_HELD_SIGNALS)).toEqual({ error: { code: 'too_many_signals' } });
    await emit(g, 'call:hangup', { callId });
  });

  it('refuses to admit a patient when the host has no video minutes left, and the patient keeps waiting', async () => {
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Herr Lang' }, host.accessToken)).body;
    // The rest of the 60 trial minutes go in one long call.
    const usage = (await f.api('GET', '/api/telehealth/usage', undefined, host.accessToken)).body;
    await f.server.telehealth.connected({ id: randomUUID(), hostId: host.id, organisationId: null, kind: 'guest' });
    const id = (
      await f.db
        .selectFrom('video_sessions')
        .select('id')
        .where('host_id', '=', host.id)
        .where('ended_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).id;
    f.clock.now += (usage.remainingMinutes as number) * 60_000;
    await f.server.telehealth.ended(id);
    host.accessToken = (await f.api('POST', '/api/auth/sign-in', { username: 'dr.diaz', password: PASSWORD })).body
      .accessToken as string;
    try {
      const { guestToken } = (await redeem({ code: created.code })).body;
      const h = await open({ token: host.accessToken });
      const g = await open({ guest: guestToken });
      const joined = await emit<{ callId: string }>(g, 'guest:join', { name: 'Lars Lang', consent: true });
      expect(await emit(h, 'call:admit', { callId: joined.callId })).toEqual({
        error: { code: 'telehealth_minutes_exhausted' },
      });
      expect(await f.server.signalling.meteredCallIds()).not.toContain(joined.callId);
      // The patient, still waiting, gives up.
      await emit(g, 'call:hangup', { callId: joined.callId });
      expect(await f.server.signalling.callCount()).toBe(0);
      h.disconnect();
      g.disconnect();
    } finally {
      // The tests after this one invite with the same host: its minutes come back, also when this one fails.
      await f.db.deleteFrom('video_sessions').where('host_id', '=', host.id).execute();
      await f.db.deleteFrom('telehealth_totals').where('account_id', '=', host.id).execute();
    }
  });

  it('sends the invitation by e-mail and SMS in the patient language, with link and code', async () => {
    const appointmentAt = f.clock.now + 2 * 3_600_000;
    const created = (
      await f.api(
        'POST',
        '/api/calls/invitations',
        {
          label: 'Frau Weber',
          appointmentAt,
          email: 'weber@patient.example',
          phone: '0171 5550001',
          country: 'DE',
          language: 'de',
          timeZone: 'Europe/Berlin',
        },
        host.accessToken,
      )
    ).body;
    // Valid until the appointment window closes (4 hours after its start).
    expect(created.expiresAt).toBe(appointmentAt + 4 * 3_600_000);
    await expect.poll(() => f.inbox.filter((m) => m.to === 'weber@patient.example').length).toBe(1);
    const mail = f.mailTo('weber@patient.example');
    expect(mail).toContain('Videosprechstunde');
    expect(mail).toContain(created.link);
    expect(mail).toContain(`${created.code.slice(0, 3)} ${created.code.slice(3, 6)} ${created.code.slice(6)}`);
    const sms = f.smsTo('+491715550001');
    expect(sms).toHaveLength(1);
    expect(sms[0]).toContain(created.link);
    expect(sms[0]).toContain('Videosprechstunde');
    expect(
      (await f.api('POST', '/api/calls/invitations', { validUntil: f.clock.now - 1 }, host.accessToken)).body.error
        .issues,
    ).toEqual([{ path: 'appointmentAt', code: 'invitation_in_past' }]);
    // At most a month, whatever is asked.
    const far = (
      await f.api('POST', '/api/calls/invitations', { validUntil: f.clock.now + 90 * 86_400_000 }, host.accessToken)
    ).body;
    expect(far.expiresAt).toBe(f.clock.now + 31 * 86_400_000);
  });

  it('a patient who leaves the waiting room withdraws the knock; a revoked invitation disconnects the patient', async () => {
    const created = (await f.api('POST', '/api/calls/invitations', { label: 'Herr Alm' }, host.accessToken)).body;
    const { guestToken } = (await redeem({ code: created.code })).body;
    const h = await open({ token: host.accessToken });
    const g = await open({ guest: guestToken });
    const knock = next<{ callId: string }>(h, 'call:knock');
    const { callId } = await emit<{ callId: string }>(g, 'guest:join', { name: 'Olle Alm', consent: true });
    await knock;
    const withdrawn = next(h, 'call:knock-withdrawn');
    await emit(g, 'call:hangup', { callId });
    expect(await withdrawn).toEqual({ callId });
    expect(await f.server.signalling.callCount()).toBe(0);
    // The host's app restarts: no stale knock, and the server stays up.
    h.disconnect();
    const seen: string[] = [];
    const again = await open({ token: host.accessToken }, seen);
    expect(await emit(again, 'presence:set', { status: 'online' })).toEqual({ status: 'online' });
    expect(seen).not.toContain('call:knock');

    // A second device of the host does not disturb the first one's call: no rejoin is sent to anyone.
    const g2 = await open({ guest: guestToken });
    const knock2 = next<{ callId: string }>(again, 'call:knock');
    const joined = await emit<{ callId: string }>(g2, 'guest:join', { name: 'Olle Alm', consent: true });
    await knock2;
    await emit(again, 'call:admit', { callId: joined.callId });
    const gSeen = record(g2);
    const secondSeen: string[] = [];
    const second = await open({ token: host.accessToken }, secondSeen);
    await Promise.all([settled(second), settled(g2)]);
    expect(secondSeen).not.toContain('call:rejoin');
    expect(gSeen).not.toContain('call:peer-joined');

    // Revoking the invitation ends the patient's connection at once.
    const gone = new Promise<string>((resolve) => g2.once('disconnect', resolve));
    expect((await f.api('DELETE', `/api/calls/invitations/${created.id}`, undefined, host.accessToken)).status).toBe(
      204,
    );
    expect(await gone).toBe('io server disconnect');
    await expect(open({ guest: guestToken })).rejects.toThrow('unauthorized');
    for (const s of [g, again, second]) s.disconnect();
  });

  it('locks an address after five wrong codes', async () => {
    const created = (await f.api('POST', '/api/calls/invitations', {}, host.accessToken)).body;
    const wrong = String((Number(created.code) % 899_999_999) + 100_000_001);
    for (let i = 0; i < 5; i += 1) expect((await redeem({ code: wrong })).body.error.code).toBe('invitation_invalid');
    const locked = await redeem({ code: created.code });
    expect(locked).toMatchObject({ status: 429, body: { error: { code: 'code_locked' } } });
    f.clock.now += 16 * 60_000;
    expect((await redeem({ code: created.code })).status).toBe(200);
  });
});
