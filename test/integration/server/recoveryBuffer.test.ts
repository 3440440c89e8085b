/**
 * The bounded replay buffer of connection state recovery (server/cluster/recoveryBuffer.ts), with a real
 * socket.io server and client on loopback: a socket whose transport drops comes back with its rooms and
 * the events it missed, in order and only those meant for it; one that missed more than the buffer holds,
 * or names an offset the buffer never gave (a made-up one, or one from before a restart), or comes back
 * after the window, connects afresh (`recovered` false) — and a session comes back once only.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedRecoveryAdapter } from '../../../server/cluster/recoveryBuffer';

interface Rig {
  io: Server;
  http: HttpServer;
  url: string;
  clock: { now: number };
}
const rigs: Rig[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const rig of rigs.splice(0)) await new Promise<void>((resolve) => rig.io.close(() => resolve()));
});

async function rig(capacity: number): Promise<Rig> {
  const clock = { now: 1_000_000 };
  const http = createServer();
  const io = new Server(http, {
    transports: ['websocket'],
    connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false },
    adapter: boundedRecoveryAdapter({ capacity, now: () => clock.now }),
  });
  io.on('connection', (socket) => {
    if (!socket.recovered) void socket.join(`peer:${String((socket.handshake.auth as { id?: unknown }).id)}`);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  const made = { io, http, url: `http://127.0.0.1:${port}`, clock };
  rigs.push(made);
  return made;
}

/** A client that records the `note` events it receives (their first argument). */
async function client(r: Rig, id: string): Promise<{ socket: Socket; notes: unknown[] }> {
  const socket = connect(r.url, { auth: { id }, transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(socket);
  const notes: unknown[] = [];
  socket.on('note', (note: unknown) => notes.push(note));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, notes };
}

/** Drops the client's transport (as a network loss does) and waits until the server has noticed. */
async function drop(r: Rig, socket: Socket): Promise<void> {
  const id = socket.id!;
  const gone = new Promise<string>((resolve) => r.io.sockets.sockets.get(id)!.once('disconnect', resolve));
  socket.io.engine.close();
  expect(await gone).toBe('transport close');
}

async function reconnect(socket: Socket): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
    socket.connect();
  });
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('bounded recovery buffer', () => {
  it('replays what a dropped socket missed, in order and only what was meant for it', async () => {
    const r = await rig(100);
    const a = await client(r, 'a');
    await client(r, 'b');
    r.io.to('peer:a').emit('note', 'before');
    await until(() => a.notes.length === 1);
    const id = a.socket.id;
    await drop(r, a.socket);
    r.io.to('peer:a').emit('note', 'missed-1');
    r.io.to('peer:b').emit('note', 'for-b');
    r.io.except('peer:a').emit('note', 'not-for-a');
    r.io.to('peer:a').emit('note', 'missed-2');
    await reconnect(a.socket);
    expect(a.socket.recovered).toBe(true);
    expect(a.socket.id).toBe(id);
    await until(() => a.notes.length === 3);
    r.io.to('peer:a').emit('note', 'after');
    await until(() => a.notes.length === 4);
    expect(a.notes).toEqual(['before', 'missed-1', 'missed-2', 'after']);
  });

  it('replays structured and binary arguments as they were sent', async () => {
    // The ring keeps JSON arguments as one string and binary ones as they are: both must come back whole.
    const r = await rig(100);
    const a = await client(r, 'a');
    const extra: unknown[] = [];
    a.socket.on('note', (_first: unknown, ...rest: unknown[]) => extra.push(rest));
    r.io.to('peer:a').emit('note', 'before'); // a client recovers from the offset of the last packet it had
    await until(() => a.notes.length === 1);
    await drop(r, a.socket);
    const candidate = {
      callId: 'c1',
      from: 'b',
      data: { type: 'candidate', candidate: { sdpMLineIndex: 0, n: [1, null] } },
    };
    r.io.to('peer:a').emit('note', candidate, 'second argument');
    r.io.to('peer:a').emit('note', { bytes: Buffer.from([0, 1, 254, 255]) });
    await reconnect(a.socket);
    expect(a.socket.recovered).toBe(true);
    await until(() => a.notes.length === 3);
    expect(a.notes[1]).toEqual(candidate);
    // (socket.io hands the offset to the listener as a last argument, also live.)
    expect((extra[1] as unknown[])[0]).toBe('second argument');
    const { bytes } = a.notes[2] as { bytes: ArrayBuffer };
    expect([...new Uint8Array(bytes)]).toEqual([0, 1, 254, 255]);
  });

  it('connects afresh when the socket missed more than the buffer holds', async () => {
    const r = await rig(5);
    const a = await client(r, 'a');
    r.io.to('peer:a').emit('note', 0);
    await until(() => a.notes.length === 1);
    await drop(r, a.socket);
    // Five more fit exactly (the buffer holds 0..5 → only 1..5 are needed)…
    for (let n = 1; n <= 5; n += 1) r.io.to('peer:a').emit('note', n);
    await reconnect(a.socket);
    expect(a.socket.recovered).toBe(true);
    await until(() => a.notes.length === 6);
    // …six do not: the oldest one needed has been overwritten.
    await drop(r, a.socket);
    for (let n = 6; n <= 11; n += 1) r.io.to('peer:b').emit('note', n);
    await reconnect(a.socket);
    expect(a.socket.recovered).toBe(false);
  });

  it('connects afresh after the window, and brings a session back once only', async () => {
    const r = await rig(100);
    const a = await client(r, 'a');
    r.io.to('peer:a').emit('note', 'first');
    await until(() => a.notes.length === 1);
    await drop(r, a.socket);
    r.clock.now += 60_001;
    await reconnect(a.socket);
    expect(a.socket.recovered).toBe(false);

    const b = await client(r, 'b');
    r.io.to('peer:b').emit('note', 'first');
    await until(() => b.notes.length === 1);
    const pid = (b.socket as unknown as { _pid: string })._pid;
    const offset = (b.socket as unknown as { _lastOffset: string })._lastOffset;
    await drop(r, b.socket);
    await reconnect(b.socket);
    expect(b.socket.recovered).toBe(true);
    // A second client presenting the same private id and offset (a copied handshake) gets nothing back.
    const thief = connect(r.url, { auth: { id: 'x', pid, offset }, transports: ['websocket'], reconnection: false });
    clients.push(thief);
    await new Promise<void>((resolve) => thief.once('connect', resolve));
    expect(thief.recovered).toBe(false);
    expect(thief.id).not.toBe(b.socket.id);
  });

  it('does not recover an offset it never gave', async () => {
    const r = await rig(100);
    const a = await client(r, 'a');
    r.io.to('peer:a').emit('note', 'first');
    await until(() => a.notes.length === 1);
    const state = a.socket as unknown as { _lastOffset: string };
    expect(state._lastOffset).toMatch(/^[\w-]+\.\d+$/);
    for (const forged of [
      'other-run.0',
      `${state._lastOffset.split('.')[0]}.99`,
      'garbage',
      `${state._lastOffset}1e3`,
    ]) {
      await drop(r, a.socket);
      state._lastOffset = forged;
      await reconnect(a.socket);
      expect(a.socket.recovered, forged).toBe(false);
    }
  });
});
