/**
 * Who takes part in which call, as the relay needs it for every signal (issues 13, 17): kept in the process
 * for about RELAY_CACHE_MS per call, so that a signal waits for the database only when its process has
 * nothing for the call. Each entry carries the version of the call it was taken from (the call's row
 * counts its changes): a change announced by another process replaces an entry only if it is newer,
 * because two announcements of one call may cross on their way between processes. A call that stopped
 * being active keeps an empty entry for as long, so that an older announcement arriving after it finds the
 * newer version there; the relay asks the database about such a call.
 */

/**
 * How long an entry lasts with several server processes: between ¾ and 1¼ of this (so that thousands of
 * calls started together do not all expire together); one used in its last quarter is read afresh in the
 * background. Another process's changes arrive as announcements through Redis, numbered: a process that
 * missed some (its subscription cut: Redis's PUB/SUB keeps nothing for a subscriber that is away) notices
 * at the next one and drops every entry (`clear`). This time only bounds the one case numbering cannot show — the missed
 * announcement was its process's last for a while. (It was 30 s: with 10,000 calls, 330 reads a second of
 * PostgreSQL sharing the cores with the relay; without them the cluster benchmark's p50 went from 63 to
 * 3.5 ms and its p99 from 347 to 82 ms, issue 17.)
 */
export const RELAY_CACHE_MS = 5 * 60_000;
/**
 * The same for a server that runs alone: every change of a call is made by this process and reaches its
 * entry in the commit's own continuation, so nothing can be missed, and the expiry only lets the entries of
 * calls nobody signals in any more go. A call in progress is not read again every half minute: at 5,000
 * calls that was 170 reads a second and 7 % of the server's CPU in the relay benchmark (issue 13).
 */
export const LOCAL_RELAY_CACHE_MS = 10 * 60_000;
/** A guard against unbounded growth between prunings. */
const MAX_ENTRIES = 100_000;

interface Entry {
  peers: Set<string>;
  until: number;
  version: number;
}

interface Read {
  peers: Promise<Set<string>>;
  /** A change came after the read started: later signals do not wait for an answer that may predate it. */
  stale: boolean;
}

export class RelayEntries {
  private readonly entries = new Map<string, Entry>();
  /** Reads in flight, one per call, shared by the signals that wait for them. */
  private readonly reads = new Map<string, Read>();

  constructor(
    /** The call's participants while it is active (none otherwise) and the version they were read at. */
    private readonly read: (callId: string) => Promise<{ peers: string[]; version: number }>,
    /** Background work (a refresh) that nobody awaits: its errors are logged by the caller. */
    private readonly background: (work: Promise<unknown>) => void,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A call changed (here, or announced by another process): who takes part in it from `version` on. */
  changed(callId: string, participants: Iterable<string>, version: number): void {
    const read = this.reads.get(callId);
    if (read) read.stale = true;
    this.keep(callId, new Set(participants), version);
  }

  /** A call changed and nothing more is known (a process of an earlier release said so): read it afresh. */
  forget(callId: string): void {
    const read = this.reads.get(callId);
    if (read) read.stale = true;
    this.entries.delete(callId);
  }

  /**
   * Whether both take part in the call while it is active: `true` at once from the entry while it lasts
   * (no promise: this is every signal's path), else the database's answer.
   */
  bothIn(callId: string, from: string, to: string): true | Promise<boolean> {
    const now = this.now();
    const entry = this.entries.get(callId);
    if (entry && entry.until > now && entry.peers.has(from) && entry.peers.has(to)) {
      if (entry.until - now < this.ttlMs / 4 && !this.reads.has(callId)) this.background(this.fetch(callId));
      return true;
    }
    return this.fetch(callId).then((peers) => peers.has(from) && peers.has(to));
  }

  /** Every entry goes, and reads in flight are not kept: the calls are read afresh at their next signal. */
  clear(): void {
    for (const read of this.reads.values()) read.stale = true;
    this.entries.clear();
  }

  /** Expired entries go (each heartbeat): those of ended calls do not pile up. */
  prune(): void {
    const now = this.now();
    for (const [callId, entry] of this.entries) if (entry.until <= now) this.entries.delete(callId);
  }

  /** For tests: how many calls have an entry. */
  get size(): number {
    return this.entries.size;
  }

  private keep(callId: string, peers: Set<string>, version: number): void {
    const kept = this.entries.get(callId);
    if (kept && kept.version > version) return;
    if (!kept && this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const until = this.now() + this.ttlMs * (0.75 + Math.random() / 2);
    this.entries.set(callId, { peers, until, version });
  }

  /** The participants from the database; one read per call at a time. */
  private fetch(callId: string): Promise<Set<string>> {
    const inFlight = this.reads.get(callId);
    if (inFlight && !inFlight.stale) return inFlight.peers;
    const read: Read = { peers: Promise.resolve(new Set<string>()), stale: false };
    const settle = () => {
      if (this.reads.get(callId) === read) this.reads.delete(callId);
    };
    read.peers = this.read(callId).then(
      ({ peers, version }) => {
        settle();
        const set = new Set(peers);
        // A call that is not there (ended, or never was: ids made up by a client) leaves no entry behind,
        // unless one is kept already (its version decides).
        if (!read.stale && (set.size > 0 || this.entries.has(callId))) this.keep(callId, set, version);
        return set;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    this.reads.set(callId, read);
    return read.peers;
  }
}
