/**
 * Several real server processes (dist/server/main.cjs) on one PostgreSQL and one Redis, behind a real nginx
 * that includes the deployed `deploy/nginx/clinicdesk-locations.conf`. Requests alternate between the
 * processes (round-robin here, so that both are certainly used). Proven across processes: the sign-in
 * lockout (kept in the database), a route's rate limit (kept in Redis), one housekeeping lease holder, and
 * that killing one process with SIGKILL leaves the service answering through the other; signalling across
 * processes (presence, a call ringing from one process to the other, its missed-call deadline acted on once,
 * also when the process holding the call dies).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterMissing, serviceAdmin, startCluster, type Cluster } from '../harness/serverCluster';
import { postFrom } from '../harness/services';

const missing = clusterMissing();
let cluster: Cluster;

beforeAll(async () => {
  if (missing.length > 0) return;
  cluster = await startCluster({
    count: 2,
    // Ringing ends sooner than the product's 45 s, so that a missed call is seen within a test.
    args: ['--ring-timeout-seconds=5'],
    upstream: (ports) =>
      `upstream clinicdesk { ${ports.map((port) => `server 127.0.0.1:${port} max_fails=1 fail_timeout=10s;`).join(' ')} }`,
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const api: Cluster['api'] = (...args) => cluster.api(...args);
const sockets: Socket[] = [];
afterAll(() => {
  for (const socket of sockets) socket.disconnect();
});

/** A socket straight to one process (not through nginx), recording every event from before it connects. */
async function socketTo(index: number, token: string) {
  const socket = io(`http://127.0.0.1:${cluster.processes[index]!.port}`, {
    transports: ['websocket'],
    auth: { token },
    autoConnect: false,
    reconnection: false,
  });
  sockets.push(socket);
  const events: { event: string; payload: Record<string, unknown> }[] = [];
  socket.onAny((event: string, payload: Record<string, unknown>) => events.push({ event, payload }));
  socket.connect();
  await expect.poll(() => socket.connected).toBe(true);
  // Registered in the shared state by the process that holds it.
  await expect
    .poll(async () =>
      (
        await cluster.query<{ process_id: string }>('select process_id from signal_sockets where socket_id = $1', [
          socket.id,
        ])
      ).map((r) => r.process_id.split('-')[0]),
    )
    .toEqual([String(cluster.processes[index]!.child.pid)]);
  return { socket, events, count: (name: string) => events.filter((e) => e.event === name).length };
}

/** Both processes have swept (beaten) since `since`: whatever deadline was due then, each has seen it. */
const bothSweptSince = async (since: number) => {
  const rows = await cluster.query<{ seen_at: string }>('select seen_at from signal_processes');
  return rows.length === 2 && rows.every((r) => Number(r.seen_at) > since);
};

describe.skipIf(missing.length > 0)(
  `two server processes behind nginx${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    let admin = '';

    it('registers the service admin from the CLI link, through either process', async () => {
      admin = await serviceAdmin(cluster);
      // Both processes answer for the same session (requests alternate between them).
      for (let i = 0; i < 4; i += 1) expect((await api('GET', '/api/account/me', undefined, admin)).status).toBe(200);
    });

    it('locks sign-in after five failures although the attempts are spread over both processes', async () => {
      const answers: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        answers.push(
          (await api('POST', '/api/auth/sign-in', { username: 'ops', password: 'Wrong-Password-1' })).status,
        );
      }
      expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.slice(5)).toEqual([429, 429]);
    });

    it("keeps a route's rate limit across processes (counters in Redis)", async () => {
      // The PIN check allows 10 a minute from one address: 12 requests over two processes must not get 12 answers.
      const answers: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        answers.push((await api('POST', '/api/admin/pin-check', { username: 'ops', pin: '35817294' }, admin)).status);
      }
      expect(answers.filter((s) => s === 200)).toHaveLength(10);
      expect(answers.slice(10)).toEqual([429, 429]);
    });

    it('limits each client by its own address, which nginx passes on to both processes', async () => {
      // The test above used up 127.0.0.1's ten PIN checks of this minute. Another address has its own ten:
      // the server must see the client's address (X-Forwarded-For from the deployed nginx locations), not
      // nginx's, or one client's limit (or lockout) would be every client's.
      const answers: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        answers.push(
          await postFrom(
            '127.0.0.2',
            `${cluster.base}/api/admin/pin-check`,
            { username: 'ops', pin: '35817294' },
            {
              authorization: `Bearer ${admin}`,
            },
          ),
        );
      }
      expect(answers).toEqual([200, 200, 200, 200]);
    });

    it('has one housekeeping lease holder for both processes', async () => {
      const client = new pg.Client({ connectionString: cluster.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query("select holder from leases where name = 'housekeeping'");
        expect(rows).toHaveLength(1);
        expect(String(rows[0].holder)).toMatch(new RegExp(`^${cluster.processes[0]!.child.pid}-`));
      } finally {
        await client.end();
      }
    });

    let ana: { id: string; accessToken: string };
    let ben: { id: string; accessToken: string };

    it('rings a colleague on the other process, and the missed call fires once', { timeout: 90_000 }, async () => {
      const org = await api('POST', '/api/admin/organisations', { name: 'Praxis Zwei Prozesse' }, admin);
      expect(org.status).toBe(201);
      ana = await cluster.practitioner(admin, 'ana.mp', String(org.body.id));
      ben = await cluster.practitioner(admin, 'ben.mp', String(org.body.id));
      const caller = await socketTo(0, ana.accessToken);
      const callee = await socketTo(1, ben.accessToken);

      // Presence across processes: Ana (on process 0) sees Ben (on process 1) online.
      const watched = (await caller.socket.emitWithAck('presence:watch', {})) as { statuses: Record<string, string> };
      expect(watched.statuses[ben.id]).toBe('online');

      const invited = (await caller.socket.emitWithAck('call:invite', { to: ben.id })) as {
        callId: string;
        ringing: string[];
      };
      expect(invited.ringing).toEqual([ben.id]);
      await expect.poll(() => callee.count('call:incoming')).toBe(1);
      await expect.poll(() => callee.count('call:missed'), { timeout: 30_000 }).toBe(1);
      const missedAt = Date.now();
      // Each process has looked at the deadline since: still one missed call, one "no answer", one end.
      await expect.poll(() => bothSweptSince(missedAt), { timeout: 30_000 }).toBe(true);
      expect(callee.count('call:missed')).toBe(1);
      expect(caller.count('call:no-answer')).toBe(1);
      expect(caller.count('call:ended')).toBe(1);
      expect(await cluster.query('select * from signal_calls where id = $1', [invited.callId])).toEqual([]);
      expect(await cluster.query('select * from signal_call_peers where call_id = $1', [invited.callId])).toEqual([]);
    });

    it('two devices accepting one call at once on two processes: one wins', { timeout: 60_000 }, async () => {
      for (let round = 0; round < 5; round += 1) {
        const caller = await socketTo(0, ana.accessToken);
        const desk = await socketTo(0, ben.accessToken);
        const laptop = await socketTo(1, ben.accessToken);
        const invited = (await caller.socket.emitWithAck('call:invite', { to: ben.id })) as { callId: string };
        await expect.poll(() => desk.count('call:incoming') + laptop.count('call:incoming')).toBe(2);
        const answers = (await Promise.all(
          [desk, laptop].map((d) => d.socket.emitWithAck('call:accept', { callId: invited.callId })),
        )) as { callId?: string; error?: { code: string } }[];
        expect(answers.filter((a) => a.callId === invited.callId)).toHaveLength(1);
        expect(answers.filter((a) => a.error?.code === 'not_invited')).toHaveLength(1);
        const members = await cluster.query<{ peer_id: string }>(
          "select peer_id from signal_call_peers where call_id = $1 and role = 'participant'",
          [invited.callId],
        );
        expect(members.map((m) => m.peer_id).sort()).toEqual([ana.id, ben.id].sort());
        await caller.socket.emitWithAck('call:hangup', { callId: invited.callId });
        for (const s of [caller, desk, laptop]) s.socket.disconnect();
      }
    });

    /** Ana on process 0 calls Ben on process 1, who accepts; a signal of either in that call. */
    const callAcrossProcesses = async () => {
      const caller = await socketTo(0, ana.accessToken);
      const callee = await socketTo(1, ben.accessToken);
      const invited = (await caller.socket.emitWithAck('call:invite', { to: ben.id })) as { callId: string };
      await expect.poll(() => callee.count('call:incoming')).toBe(1);
      await callee.socket.emitWithAck('call:accept', { callId: invited.callId });
      const signal = (from: typeof caller, to: string) =>
        from.socket.emitWithAck('signal', {
          callId: invited.callId,
          to,
          data: { type: 'candidate', candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } },
        }) as Promise<{ relayed?: boolean; error?: { code: string } }>;
      return { caller, callee, invited, signal };
    };

    it('relays across processes, and a hang-up on one process closes the relay on the other', async () => {
      const { caller, callee, invited, signal } = await callAcrossProcesses();
      // Both processes now hold the call's participants for their relay.
      expect(await signal(caller, ben.id)).toEqual({ relayed: true });
      expect(await signal(callee, ana.id)).toEqual({ relayed: true });
      await expect.poll(() => callee.count('signal') + caller.count('signal')).toBe(2);
      await caller.socket.emitWithAck('call:hangup', { callId: invited.callId });
      // Process 1 hears of the change through the adapter and drops its entry (long before the entry's expiry).
      await expect.poll(async () => (await signal(callee, ana.id)).error?.code).toBe('not_participant');
      for (const s of [caller, callee]) s.socket.disconnect();
    });

    it('a process that missed announcements of the other (its Redis subscription cut) drops its relay entries at the next one', async () => {
      const across = await callAcrossProcesses();
      const { caller, callee, invited } = across;
      const signal = () => across.signal(callee, ana.id);
      expect(await signal()).toEqual({ relayed: true });

      // Process 1 stands still while its subscription to the processes' announcements is cut, and process 0
      // ends the call meanwhile: Redis's PUB/SUB (which carries announcements) keeps nothing for a
      // subscriber that is away, so process 1 never hears of it.
      const redis = new Redis(inject('redisUrl')!);
      const subscriberOf = async (pid: number) =>
        String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
          .split('\n')
          .filter((line) => line.includes(` name=clinicdesk:`) && line.includes(`:${pid}:streams `))
          .map((line) => /\bid=(\d+)/.exec(line)![1]!);
      const stopped = cluster.processes[1]!.child;
      try {
        expect(await subscriberOf(stopped.pid!)).toHaveLength(1);
        stopped.kill('SIGSTOP');
        try {
          for (const id of await subscriberOf(stopped.pid!)) await redis.call('CLIENT', 'KILL', 'ID', id);
          await caller.socket.emitWithAck('call:hangup', { callId: invited.callId });
        } finally {
          stopped.kill('SIGCONT');
        }
        await expect.poll(() => subscriberOf(stopped.pid!), { timeout: 15_000 }).toHaveLength(1);
      } finally {
        redis.disconnect();
      }
      // The loss is real: until process 0 says anything more, process 1 relays for the ended call.
      expect(await signal()).toEqual({ relayed: true });
      // Process 0's next announcement (another call) is numbered past the lost one: process 1 notices the
      // gap, drops its entries and reads the call afresh — ended. (Without numbering the entry stood for
      // as long as it lasts: minutes.)
      const next = (await caller.socket.emitWithAck('call:invite', { to: ben.id })) as { callId: string };
      await expect.poll(async () => (await signal()).error?.code).toBe('not_participant');
      await caller.socket.emitWithAck('call:hangup', { callId: next.callId });
      for (const s of [caller, callee]) s.socket.disconnect();
    });

    it(
      'a call answered on the other process is left alone when its ringing would have ended where it rang',
      { timeout: 60_000 },
      async () => {
        const caller = await socketTo(0, ana.accessToken);
        const callee = await socketTo(1, ben.accessToken);
        const invited = (await caller.socket.emitWithAck('call:invite', { to: ben.id })) as { callId: string };
        const rangUntil = Date.now() + 5_000;
        await expect.poll(() => callee.count('call:incoming')).toBe(1);
        await callee.socket.emitWithAck('call:accept', { callId: invited.callId });
        const versionOf = async () =>
          (await cluster.query<{ version: number }>('select version from signal_calls where id = $1', [invited.callId]))
            .map((r) => Number(r.version))
            .at(0);
        const accepted = await versionOf();
        // Both processes have beaten twice since the ringing's end: process 0's ringing timer, had it not
        // been stopped by the accept on process 1, has fired and taken the call by now.
        await expect.poll(() => Date.now() > rangUntil).toBe(true);
        await expect.poll(() => bothSweptSince(rangUntil), { timeout: 30_000 }).toBe(true);
        const sweptOnce = Date.now();
        await expect.poll(() => bothSweptSince(sweptOnce), { timeout: 30_000 }).toBe(true);
        expect(await versionOf()).toBe(accepted);
        expect(caller.count('call:no-answer') + callee.count('call:missed')).toBe(0);
        await caller.socket.emitWithAck('call:hangup', { callId: invited.callId });
        for (const s of [caller, callee]) s.socket.disconnect();
      },
    );

    it(
      'a call ringing from a process that is killed is still missed, by the other process',
      { timeout: 90_000 },
      async () => {
        const caller = await socketTo(0, ana.accessToken);
        const callee = await socketTo(1, ben.accessToken);
        const invited = (await caller.socket.emitWithAck('call:invite', { to: ben.id })) as { callId: string };
        await expect.poll(() => callee.count('call:incoming')).toBe(1);
        // The process that holds the caller and the call's timer dies: the deadline is in the database.
        await cluster.kill(0);
        await expect.poll(() => callee.count('call:missed'), { timeout: 30_000 }).toBe(1);
        expect(callee.events.find((e) => e.event === 'call:missed')?.payload).toMatchObject({ callId: invited.callId });
      },
    );

    it('goes on answering through the other process when one is killed with SIGKILL', async () => {
      await cluster.kill(0);
      for (let i = 0; i < 6; i += 1) {
        expect((await api('GET', '/api/ready')).status).toBe(200);
        expect((await api('GET', '/api/account/me', undefined, admin)).status).toBe(200);
      }
    });
  },
);
