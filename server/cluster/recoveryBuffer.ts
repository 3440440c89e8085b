/**
 * Connection state recovery for one server process, with a bounded replay buffer.
 *
 * socket.io's own in-process adapter (`SessionAwareAdapter`) keeps every event sent to a room for the whole
 * recovery window and trims once a minute: at 2,000 WebRTC signals a second and a two-minute window that is
 * up to 360,000 packets held at once, a heap that grows with the traffic. (It was a suspect for the relay
 * benchmark's tail; the tail turned out to be a major collection, see the README, but the growth is real.)
 * This adapter keeps the newest `capacity` packets instead — the same bound the Redis streams adapter of a clustered
 * server has (its stream's MAXLEN, 10,000 by default) — so the heap no longer grows with the traffic. A
 * quiet practice server keeps its full window; under a surge a socket that missed more than the buffer
 * holds is simply not recovered and takes the fresh-connection path (credentials checked, rooms joined
 * again, `call:rejoin`, sync pull), which every client already handles.
 */
import { randomBytes } from 'node:crypto';
import { Adapter, type BroadcastOptions, type PrivateSessionId, type Session } from 'socket.io-adapter';

type Persisted = Omit<Session, 'missedPackets'> & { disconnectedAt: number };

/**
 * A buffered packet, kept small: every packet lives in the ring for seconds, long enough to be moved to
 * V8's old space, where each object is traced at every major collection. An event's arguments as one JSON
 * string (a single leaf object) instead of the object graph the event was emitted with (a dozen objects for
 * an ICE candidate); the rooms as an array instead of the broadcast's Set. Arguments with binary
 * attachments (none in ClinicDesk's protocol, but the adapter is socket.io's) are kept as they are.
 */
interface Kept {
  rooms: readonly string[];
  except: readonly string[];
  json: string | null;
  data: unknown[] | null;
}

const NONE: readonly string[] = [];

/** Whether a value holds binary data, which JSON cannot carry (as socket.io-parser's own check). */
function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof Blob !== 'undefined' && value instanceof Blob)
  )
    return true;
  if (depth > 32) return true; // deeper than any event of ours: kept as it is rather than walked further
  // Loops, not `some` with a closure: this runs for every packet sent.
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (hasBinary(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (hasBinary((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

function keep(data: unknown[], opts: BroadcastOptions): Kept {
  const binary = hasBinary(data);
  return {
    rooms: opts.rooms.size === 0 ? NONE : [...opts.rooms],
    except: opts.except === undefined || opts.except.size === 0 ? NONE : [...opts.except],
    json: binary ? null : JSON.stringify(data),
    data: binary ? data : null,
  };
}

/** Matches the streams adapter's default MAXLEN, so both topologies recover alike. */
export const RECOVERY_BUFFER_PACKETS = 10_000;

export function boundedRecoveryAdapter(options: { capacity?: number; now?: () => number } = {}) {
  const capacity = options.capacity ?? RECOVERY_BUFFER_PACKETS;
  const now = options.now ?? Date.now;
  return class BoundedRecoveryAdapter extends Adapter {
    private readonly window: number;
    private readonly sessions = new Map<PrivateSessionId, Persisted>();
    private readonly ring: (Kept | undefined)[] = new Array<Kept | undefined>(capacity);
    private nextSeq = 0;
    // An offset names this process's run and a sequence number: an offset from before a restart (or made
    // up by a client) never matches, and finding the packet is arithmetic, not a scan.
    private readonly run = randomBytes(6).toString('base64url');
    private readonly sweep: NodeJS.Timeout;

    // `nsp` is socket.io's Namespace; the Adapter's own constructor types it as `any`.
    constructor(nsp: ConstructorParameters<typeof Adapter>[0]) {
      super(nsp);
      const recovery = (nsp.server.opts as { connectionStateRecovery?: { maxDisconnectionDuration?: number } })
        .connectionStateRecovery;
      this.window = recovery?.maxDisconnectionDuration ?? 2 * 60_000;
      this.sweep = setInterval(() => {
        const threshold = now() - this.window;
        for (const [pid, session] of this.sessions) if (session.disconnectedAt < threshold) this.sessions.delete(pid);
      }, 60_000);
      this.sweep.unref();
    }

    override close(): void {
      clearInterval(this.sweep);
    }

    override persistSession(session: Omit<Session, 'missedPackets'>): void {
      this.sessions.set(session.pid, { ...session, disconnectedAt: now() });
    }

    // socket.io treats a rejection like its own adapter's `null` (a fresh connection); the adapter's type
    // allows no `null`, and a rejection says why.
    override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
      const session = this.sessions.get(pid);
      if (!session) return Promise.reject(new Error('no such session'));
      // Single use: a private id cannot bring the same session back twice.
      this.sessions.delete(pid);
      if (session.disconnectedAt + this.window < now()) return Promise.reject(new Error('session expired'));
      const seq = this.sequenceOf(offset);
      if (seq === null) return Promise.reject(new Error('offset no longer buffered'));
      const missedPackets: unknown[][] = [];
      for (let s = seq + 1; s < this.nextSeq; s += 1) {
        const kept = this.ring[s % capacity]!;
        const included = kept.rooms.length === 0 || session.rooms.some((room) => kept.rooms.includes(room));
        if (included && session.rooms.every((room) => !kept.except.includes(room)))
          missedPackets.push(kept.json === null ? kept.data! : (JSON.parse(kept.json) as unknown[]));
      }
      const { disconnectedAt: _, ...rest } = session;
      return Promise.resolve({ ...rest, missedPackets });
    }

    override broadcast(packet: { type: number; id?: number; data: unknown[] }, opts: BroadcastOptions): void {
      // As socket.io's adapter: events only; not those with an acknowledgement (the callback cannot be
      // replayed) nor volatile ones.
      if (packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined) {
        const seq = this.nextSeq;
        this.nextSeq += 1;
        packet.data.push(`${this.run}.${seq}`);
        this.ring[seq % capacity] = keep(packet.data, opts);
      }
      super.broadcast(packet, opts);
    }

    /** The sequence number of an offset still in the buffer, or null. */
    private sequenceOf(offset: string): number | null {
      const dot = offset.indexOf('.');
      if (dot < 0 || offset.slice(0, dot) !== this.run) return null;
      const digits = offset.slice(dot + 1);
      if (!/^\d{1,15}$/.test(digits)) return null;
      const seq = Number(digits);
      // The client has packet `seq`; it needs seq+1 onwards, all of which must still be in the ring.
      if (seq >= this.nextSeq || seq + 1 < this.nextSeq - capacity) return null;
      return seq;
    }
  };
}
