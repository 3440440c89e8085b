/**
 * Signalling's state, kept in the database so that several server processes share it (issue 17): the
 * sockets each process holds (presence), the peers' "busy" switch and rejoin grace, and the calls in
 * progress. A call is a small document (`signal_calls.data`) indexed by peer in `signal_call_peers`; a
 * change to a call happens in a transaction that first updates the call's row, so two processes (or two
 * events) changing one call take turns, and one of two devices accepting the same call finds it taken.
 *
 * A process proves it is alive by a heartbeat row. When it stops beating (SIGKILL, a lost machine), any
 * other process removes its sockets; the peers left without a socket get the rejoin grace like any
 * disconnected peer. Timers are deadlines in rows (ringing, grace): whichever process is alive acts on
 * them, with a conditional write, so they fire once.
 *
 * Presence and deadlines use the wall clock (`Date.now`): they are about sockets and timers, not about the
 * business time that tests move forward by days.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ServerDatabase } from '../db/schema';
import type { SignalPayload } from '../../protocol/calls';

export type CallKind = 'contact' | 'group' | 'guest';
export type CallStateName = 'ringing' | 'waiting' | 'active';
export type Status = 'online' | 'busy' | 'in_call' | 'offline';

/** What a call keeps of a peer: enough to describe it to the others. */
export interface PeerInfo {
  id: string;
  kind: 'account' | 'guest';
  name: string;
  organisationId: string | null;
}

export interface Call {
  id: string;
  kind: CallKind;
  name: string;
  hostId: string;
  organisationId: string | null;
  state: CallStateName;
  participants: Map<string, PeerInfo>;
  /** Invitees still ringing, with the time their ringing ends (missed). */
  invited: Map<string, PeerInfo & { deadline: number }>;
  /** Everyone who ever joined (for the call record). */
  joined: Set<string>;
  invitations: number;
  startedAt: number | null;
  /**
   * The row's version as read: each taking of the row adds one, so of two states of a call the later has
   * the higher version (other processes keep the newer of two announcements that crossed; 0 when new).
   */
  version: number;
  /** Set by the lifecycle when the call is over: its rows are deleted instead of saved. */
  ended?: boolean;
  /** A waiting patient's offer and candidates, held for the practitioner who admits (`guest:signal`). */
  held?: SignalPayload[];
}

interface CallDocument {
  name: string;
  organisationId: string | null;
  participants: PeerInfo[];
  invited: (PeerInfo & { deadline: number })[];
  joined: string[];
  invitations: number;
  held?: SignalPayload[];
}

export type Db = Kysely<ServerDatabase> | Transaction<ServerDatabase>;

const CHUNK = 500;

export class CallState {
  /** This process, as a holder of sockets. */
  readonly processId = `${process.pid}-${randomUUID()}`;

  constructor(
    private readonly db: Kysely<ServerDatabase>,
    /** A process not seen for this long is gone: its sockets no longer count. */
    private readonly deadAfterMs: number,
  ) {}

  // ---- processes and sockets --------------------------------------------------------------------

  async beat(): Promise<void> {
    const now = Date.now();
    const updated = await this.db
      .updateTable('signal_processes')
      .set({ seen_at: now })
      .where('id', '=', this.processId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await this.db
        .insertInto('signal_processes')
        .values({ id: this.processId, seen_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: now }))
        .execute();
  }

  /** A graceful end: this process's sockets and heartbeat go at once; the peers they belonged to are returned. */
  async leave(): Promise<string[]> {
    const sockets = await this.db
      .deleteFrom('signal_sockets')
      .where('process_id', '=', this.processId)
      .returning('peer_id')
      .execute();
    await this.db.deleteFrom('signal_processes').where('id', '=', this.processId).execute();
    return [...new Set(sockets.map((s) => s.peer_id))];
  }

  /**
   * A socket of this process. One from a tab the peer already had a socket from replaces that one: it is
   * the same page loaded again, whose earlier socket may still be listed on a process that died and has not
   * yet been found dead (see `handshakeSchema`). Returns the calls the replaced sockets took part in.
   */
  async addSocket(socketId: string, peerId: string, tabId: string | null = null): Promise<{ heldCalls: string[] }> {
    // Without a tab there is nothing to replace: one statement, no transaction around it (two round trips
    // fewer for each connection; issue 17).
    if (!tabId) {
      await this.insertSocket(this.db, socketId, peerId, null);
      return { heldCalls: [] };
    }
    return this.db.transaction().execute(async (tx) => {
      const replaced = tabId
        ? await tx
            .deleteFrom('signal_sockets')
            .where('peer_id', '=', peerId)
            .where('tab_id', '=', tabId)
            .where('socket_id', '!=', socketId)
            .returning('call_id')
            .execute()
        : [];
      await this.insertSocket(tx, socketId, peerId, tabId);
      return { heldCalls: replaced.flatMap((row) => (row.call_id ? [row.call_id] : [])) };
    });
  }

  private async insertSocket(db: Db, socketId: string, peerId: string, tabId: string | null): Promise<void> {
    await db
      .insertInto('signal_sockets')
      .values({ socket_id: socketId, peer_id: peerId, process_id: this.processId, tab_id: tabId })
      .onConflict((oc) =>
        oc.column('socket_id').doUpdateSet({ peer_id: peerId, process_id: this.processId, tab_id: tabId }),
      )
      .execute();
  }

  /** The socket takes part in this call (its page holds the call's peer connections). */
  async holdCall(socketId: string, callId: string): Promise<void> {
    await this.db.updateTable('signal_sockets').set({ call_id: callId }).where('socket_id', '=', socketId).execute();
  }

  /**
   * A socket of this process ended. Only this process's row: a recovered socket keeps its id on the process
   * it came back to, and the old process's late "disconnect" must not remove it there.
   */
  async removeSocket(socketId: string): Promise<void> {
    await this.db
      .deleteFrom('signal_sockets')
      .where('socket_id', '=', socketId)
      .where('process_id', '=', this.processId)
      .execute();
  }

  /** The peers among `peerIds` with a socket on a live process. */
  async online(db: Db, peerIds: readonly string[], exceptSocket?: string): Promise<Set<string>> {
    const found = new Set<string>();
    const cutoff = Date.now() - this.deadAfterMs;
    for (let i = 0; i < peerIds.length; i += CHUNK) {
      let query = db
        .selectFrom('signal_sockets as s')
        .innerJoin('signal_processes as p', 'p.id', 's.process_id')
        .select('s.peer_id')
        .distinct()
        .where('s.peer_id', 'in', peerIds.slice(i, i + CHUNK))
        .where('p.seen_at', '>', cutoff);
      if (exceptSocket) query = query.where('s.socket_id', '!=', exceptSocket);
      for (const row of await query.execute()) found.add(row.peer_id);
    }
    return found;
  }

  /** Processes that stopped beating. */
  async deadProcesses(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('signal_processes')
      .select('id')
      .where('seen_at', '<', Date.now() - this.deadAfterMs)
      .execute();
    return rows.map((r) => r.id).filter((id) => id !== this.processId);
  }

  /**
   * Takes a dead process's sockets away; the peers they belonged to are returned to exactly one caller
   * (the process that deleted the heartbeat row), which gives them the rejoin grace.
   */
  async reap(processId: string): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('signal_processes')
        .where('id', '=', processId)
        .where('seen_at', '<', Date.now() - this.deadAfterMs)
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) !== 1) return [];
      const sockets = await trx
        .deleteFrom('signal_sockets')
        .where('process_id', '=', processId)
        .returning('peer_id')
        .execute();
      return [...new Set(sockets.map((s) => s.peer_id))];
    });
  }

  // ---- peers ------------------------------------------------------------------------------------

  /**
   * Each peer's presence. The three facts it is made of (a socket, a place in a call, the busy switch) are
   * asked in one query: presence is asked at every connection and every call's change, and three round
   * trips each were most of a burst of connections' queries (issue 13). Each part reads one table and
   * takes the process's heartbeat and the call's state by subqueries, judged here, for the reason given at
   * `activeParticipants` (`npm run bench -- statements`: 0.74× the three queries it replaced).
   */
  async statuses(db: Db, peerIds: readonly string[]): Promise<Record<string, Status>> {
    const ids = [...new Set(peerIds)];
    const statuses: Record<string, Status> = {};
    if (ids.length === 0) return statuses;
    const online = new Set<string>();
    const inCall = new Set<string>();
    const busy = new Set<string>();
    const cutoff = Date.now() - this.deadAfterMs;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = await db
        .selectFrom('signal_sockets as s')
        .select((eb) => [
          's.peer_id',
          sql.lit('online').as('fact'),
          eb
            .selectFrom('signal_processes as p')
            .select('p.seen_at')
            .whereRef('p.id', '=', 's.process_id')
            .as('seen_at'),
          sql<string | null>`null`.as('state'),
        ])
        .where('s.peer_id', 'in', chunk)
        .unionAll((eb) =>
          eb
            .selectFrom('signal_call_peers as m')
            .select((inner) => [
              'm.peer_id',
              sql.lit('call').as('fact'),
              sql<number | null>`null`.as('seen_at'),
              inner.selectFrom('signal_calls as c').select('c.state').whereRef('c.id', '=', 'm.call_id').as('state'),
            ])
            .where('m.role', '=', 'participant')
            .where('m.peer_id', 'in', chunk),
        )
        .unionAll((eb) =>
          eb
            .selectFrom('signal_peers')
            .select([
              'peer_id',
              sql.lit('busy').as('fact'),
              sql<number | null>`null`.as('seen_at'),
              sql<string | null>`null`.as('state'),
            ])
            .where('peer_id', 'in', chunk)
            .where('busy', '=', 1),
        )
        .execute();
      for (const row of rows) {
        if (row.fact === 'online' && row.seen_at !== null && row.seen_at > cutoff) online.add(row.peer_id);
        else if (row.fact === 'call' && row.state === 'active') inCall.add(row.peer_id);
        else if (row.fact === 'busy') busy.add(row.peer_id);
      }
    }
    for (const id of ids) {
      statuses[id] = !online.has(id) ? 'offline' : inCall.has(id) ? 'in_call' : busy.has(id) ? 'busy' : 'online';
    }
    return statuses;
  }

  private async ensurePeers(db: Db, peerIds: readonly string[]): Promise<void> {
    if (peerIds.length === 0) return;
    await db
      .insertInto('signal_peers')
      .values(peerIds.map((peer_id) => ({ peer_id })))
      .onConflict((oc) => oc.column('peer_id').doNothing())
      .execute();
  }

  /**
   * Takes the peers' rows for the transaction (an update is a row lock in PostgreSQL; SQLite has one
   * writer anyway), always in the same order so that two transactions cannot wait on each other.
   */
  async lockPeers(trx: Transaction<ServerDatabase>, peerIds: readonly string[]): Promise<void> {
    const ids = [...new Set(peerIds)].sort();
    await this.ensurePeers(trx, ids);
    for (const id of ids)
      await trx
        .updateTable('signal_peers')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('peer_id', '=', id)
        .execute();
  }

  async setBusy(peerId: string, busy: boolean): Promise<void> {
    await this.ensurePeers(this.db, [peerId]);
    await this.db
      .updateTable('signal_peers')
      .set({ busy: busy ? 1 : 0 })
      .where('peer_id', '=', peerId)
      .execute();
  }

  /** The grace of a peer without sockets: until `until`, it keeps its place in calls. */
  async startGrace(peerId: string, until: number): Promise<void> {
    await this.ensurePeers(this.db, [peerId]);
    await this.db.updateTable('signal_peers').set({ grace_until: until }).where('peer_id', '=', peerId).execute();
  }

  async clearGrace(peerId: string): Promise<void> {
    await this.db.updateTable('signal_peers').set({ grace_until: null }).where('peer_id', '=', peerId).execute();
  }

  /** Ends the grace `until` of a peer, once: true for the one caller that ended it. */
  async takeGrace(peerId: string, until: number): Promise<boolean> {
    const taken = await this.db
      .updateTable('signal_peers')
      .set({ grace_until: null, busy: 0 })
      .where('peer_id', '=', peerId)
      .where('grace_until', '=', until)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  async dueGraces(): Promise<{ peerId: string; until: number }[]> {
    const rows = await this.db
      .selectFrom('signal_peers')
      .select(['peer_id', 'grace_until'])
      .where('grace_until', '<=', Date.now())
      .execute();
    return rows.map((r) => ({ peerId: r.peer_id, until: r.grace_until! }));
  }

  // ---- calls ------------------------------------------------------------------------------------

  async insert(trx: Transaction<ServerDatabase>, call: Call): Promise<void> {
    await trx
      .insertInto('signal_calls')
      .values({
        id: call.id,
        kind: call.kind,
        host_id: call.hostId,
        state: call.state,
        started_at: call.startedAt,
        data: this.document(call),
      })
      .execute();
    await this.writeMembers(trx, call);
  }

  /** Loads a call and takes its row for the transaction (see the top of this file). */
  async lock(trx: Transaction<ServerDatabase>, callId: string): Promise<Call | null> {
    const locked = await trx
      .updateTable('signal_calls')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', callId)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) !== 1) return null;
    return this.read(trx, callId);
  }

  /** A call as it is now, without taking it (a check that writes nothing). */
  async read(db: Db, callId: string): Promise<Call | null> {
    const row = await db.selectFrom('signal_calls').selectAll().where('id', '=', callId).executeTakeFirst();
    if (!row) return null;
    const doc = JSON.parse(row.data) as CallDocument;
    return {
      id: row.id,
      kind: row.kind,
      name: doc.name,
      hostId: row.host_id,
      organisationId: doc.organisationId,
      state: row.state,
      participants: new Map(doc.participants.map((p) => [p.id, p])),
      invited: new Map(doc.invited.map((p) => [p.id, p])),
      joined: new Set(doc.joined),
      invitations: doc.invitations,
      startedAt: row.started_at === null ? null : Number(row.started_at),
      version: Number(row.version),
      ...(doc.held ? { held: doc.held } : {}),
    };
  }

  /** Writes a changed call back, or deletes it when it ended. */
  async save(trx: Transaction<ServerDatabase>, call: Call): Promise<void> {
    await trx.deleteFrom('signal_call_peers').where('call_id', '=', call.id).execute();
    if (call.ended) {
      await trx.deleteFrom('signal_calls').where('id', '=', call.id).execute();
      return;
    }
    await trx
      .updateTable('signal_calls')
      .set({ state: call.state, started_at: call.startedAt, data: this.document(call) })
      .where('id', '=', call.id)
      .execute();
    await this.writeMembers(trx, call);
  }

  private document(call: Call): string {
    const doc: CallDocument = {
      name: call.name,
      organisationId: call.organisationId,
      participants: [...call.participants.values()],
      invited: [...call.invited.values()],
      joined: [...call.joined],
      invitations: call.invitations,
      ...(call.held?.length ? { held: call.held } : {}),
    };
    return JSON.stringify(doc);
  }

  private async writeMembers(trx: Transaction<ServerDatabase>, call: Call): Promise<void> {
    const rows = [
      ...[...call.participants.keys()].map((peer_id) => ({
        call_id: call.id,
        peer_id,
        role: 'participant' as const,
        deadline: null,
      })),
      ...[...call.invited.values()].map((p) => ({
        call_id: call.id,
        peer_id: p.id,
        role: 'invited' as const,
        deadline: p.deadline,
      })),
    ];
    if (rows.length > 0) await trx.insertInto('signal_call_peers').values(rows).execute();
  }

  /** The calls a peer takes part in (`participant`) or is rung for (`invited`), with their state. */
  async callsOf(
    db: Db,
    peerId: string,
  ): Promise<{ callId: string; role: 'participant' | 'invited'; kind: CallKind; state: CallStateName }[]> {
    const rows = await db
      .selectFrom('signal_call_peers as m')
      .innerJoin('signal_calls as c', 'c.id', 'm.call_id')
      .select(['m.call_id', 'm.role', 'c.kind', 'c.state'])
      .where('m.peer_id', '=', peerId)
      .orderBy('m.call_id')
      .execute();
    return rows.map((r) => ({ callId: r.call_id, role: r.role, kind: r.kind, state: r.state }));
  }

  /**
   * What a new socket's registration needs to know of its peer, in one query (a connection asked four
   * before: its other sockets, its grace, its calls, the patients knocking for it — and on a loaded machine
   * each round trip to PostgreSQL costs more CPU in the kernel than the query in the database; issue 17):
   * - `elsewhere`: the peer has another socket on a live process;
   * - `graceUntil`: the rejoin grace it is in, if any;
   * - `calls`: the calls it is in or invited to (as `callsOf`);
   * - `knocks`: the waiting rooms of the patients knocking for it (as `knocksFor`, ids only).
   * Each part reads one table, the others by subqueries, judged here (see `statuses`).
   */
  async connectionFacts(
    db: Db,
    peerId: string,
    socketId: string,
  ): Promise<{
    elsewhere: boolean;
    graceUntil: number | null;
    calls: { callId: string; role: 'participant' | 'invited'; kind: CallKind; state: CallStateName }[];
    knocks: string[];
  }> {
    const rows = await db
      .selectFrom('signal_sockets as s')
      .select((eb) => [
        sql.lit('socket').as('fact'),
        eb.ref('s.socket_id').$castTo<string | null>().as('ref'),
        eb.selectFrom('signal_processes as p').select('p.seen_at').whereRef('p.id', '=', 's.process_id').as('at'),
        sql<string | null>`null`.as('role'),
        sql<string | null>`null`.as('kind'),
        sql<string | null>`null`.as('state'),
      ])
      .where('s.peer_id', '=', peerId)
      .where('s.socket_id', '!=', socketId)
      .unionAll((eb) =>
        eb
          .selectFrom('signal_peers')
          .select([
            sql.lit('grace').as('fact'),
            sql<string | null>`null`.as('ref'),
            'grace_until as at',
            sql<string | null>`null`.as('role'),
            sql<string | null>`null`.as('kind'),
            sql<string | null>`null`.as('state'),
          ])
          .where('peer_id', '=', peerId)
          .where('grace_until', 'is not', null),
      )
      .unionAll((eb) =>
        eb
          .selectFrom('signal_call_peers as m')
          .select((inner) => [
            sql.lit('call').as('fact'),
            'm.call_id as ref',
            sql<number | null>`null`.as('at'),
            'm.role',
            inner.selectFrom('signal_calls as c').select('c.kind').whereRef('c.id', '=', 'm.call_id').as('kind'),
            inner.selectFrom('signal_calls as c').select('c.state').whereRef('c.id', '=', 'm.call_id').as('state'),
          ])
          .where('m.peer_id', '=', peerId),
      )
      .unionAll((eb) =>
        eb
          .selectFrom('signal_calls')
          .select([
            sql.lit('knock').as('fact'),
            'id as ref',
            sql<number | null>`null`.as('at'),
            sql<string | null>`null`.as('role'),
            sql<string | null>`null`.as('kind'),
            sql<string | null>`null`.as('state'),
          ])
          .where('host_id', '=', peerId)
          .where('kind', '=', 'guest')
          .where('state', '=', 'waiting'),
      )
      .execute();
    const cutoff = Date.now() - this.deadAfterMs;
    const facts = {
      elsewhere: false,
      graceUntil: null as number | null,
      calls: [] as { callId: string; role: 'participant' | 'invited'; kind: CallKind; state: CallStateName }[],
      knocks: [] as string[],
    };
    for (const row of rows) {
      const at = row.at === null ? null : Number(row.at);
      if (row.fact === 'socket' && at !== null && at > cutoff) facts.elsewhere = true;
      else if (row.fact === 'grace' && at !== null) facts.graceUntil = at;
      // A call row deleted between the two tables' reads has no kind or state: it is over.
      else if (row.fact === 'call' && row.ref !== null && row.kind !== null && row.state !== null)
        facts.calls.push({
          callId: row.ref,
          role: row.role as 'participant' | 'invited',
          kind: row.kind as CallKind,
          state: row.state as CallStateName,
        });
      else if (row.fact === 'knock' && row.ref !== null) facts.knocks.push(row.ref);
    }
    // As `callsOf` orders them: the first is chosen when nothing else decides.
    facts.calls.sort((a, b) => (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0));
    return facts;
  }

  /**
   * The participants of a call while it is active (the relay's check; none otherwise), with the version of
   * the call they were read from (-1 when it has no participants: ended, or never was). The call's state
   * and version come by subqueries, not a join: on SQLite a statement joining two tables is prepared again
   * each time a new call id is bound to it (this build's planner lets bound values shape plans), and the
   * relay asks this for each call every half minute (`npm run bench -- statements`: 0.54× the join).
   */
  async activeParticipants(callId: string): Promise<{ peers: string[]; version: number }> {
    const rows = await this.db
      .selectFrom('signal_call_peers as m')
      .select((eb) => [
        'm.peer_id',
        eb.selectFrom('signal_calls as c').select('c.state').whereRef('c.id', '=', 'm.call_id').as('state'),
        eb.selectFrom('signal_calls as c').select('c.version').whereRef('c.id', '=', 'm.call_id').as('version'),
      ])
      .where('m.call_id', '=', callId)
      .where('m.role', '=', 'participant')
      .execute();
    return {
      peers: rows.filter((r) => r.state === 'active').map((r) => r.peer_id),
      version: rows.length > 0 ? Number(rows[0]!.version ?? -1) : -1,
    };
  }

  async dueRings(): Promise<{ callId: string; peerId: string }[]> {
    const rows = await this.db
      .selectFrom('signal_call_peers')
      .select(['call_id', 'peer_id'])
      .where('role', '=', 'invited')
      .where('deadline', '<=', Date.now())
      .execute();
    return rows.map((r) => ({ callId: r.call_id, peerId: r.peer_id }));
  }

  /** Metered calls in progress (consultations and meetings that connected), of every process. */
  async meteredCallIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('signal_calls')
      .select('id')
      .where('state', '=', 'active')
      .where('kind', '!=', 'contact')
      .where('started_at', 'is not', null)
      .execute();
    return rows.map((r) => r.id);
  }

  async callCount(): Promise<number> {
    const row = await this.db
      .selectFrom('signal_calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
