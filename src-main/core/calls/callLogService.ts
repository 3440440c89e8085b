/**
 * The call log: written when a call ends, listed with filters, the missed-calls badge. Each entry belongs to
 * the account signed in when it was written, and only that account's entries are shown; they are shared by
 * that user's own devices through the server (`syncBatch`, `applyPage`: entries do not change after the
 * call, except `seen`, which only rises — the union of entries and the larger `seen` merge two devices).
 */
import { v7 as uuidv7 } from 'uuid';
import type { Database } from 'better-sqlite3';
import type { LocalCallLogEntry } from '../../../src-preload/contract';
import type { CallLogSyncEntry } from '../../../protocol/sync';
import { SyncState } from '../sync/syncState';

type Input = Omit<LocalCallLogEntry, 'id' | 'durationS'>;
interface Filter {
  direction?: LocalCallLogEntry['direction'] | undefined;
  kind?: LocalCallLogEntry['kind'] | undefined;
  status?: LocalCallLogEntry['status'] | undefined;
  search?: string | undefined;
  limit: number;
}

interface Row {
  id: string;
  account_id: string | null;
  seen: number;
  rev: number;
  direction: LocalCallLogEntry['direction'];
  peer_name: string;
  kind: LocalCallLogEntry['kind'];
  status: LocalCallLogEntry['status'];
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
}

const toEntry = (r: Row): LocalCallLogEntry => ({
  id: r.id,
  direction: r.direction,
  peerName: r.peer_name,
  kind: r.kind,
  status: r.status,
  startedAt: r.started_at,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  durationS: r.answered_at !== null && r.ended_at !== null ? Math.round((r.ended_at - r.answered_at) / 1000) : 0,
});

/** A page of the server's log of an account, and the position it was read after. */
export interface CallLogPage {
  account: string;
  entries: CallLogSyncEntry[];
  next: number;
  after: number;
}

/** The call log's side of sync, as the driver reaches it (through the worker: one input per call). */
export interface CallLogLocal {
  callLogCursor(): number;
  callLogBatch(): { entries: CallLogSyncEntry[]; revs: { id: string; rev: number }[] };
  callLogAcknowledge(revs: { id: string; rev: number }[]): void;
  applyCallLogPage(page: CallLogPage): { changed: number; stale: boolean };
}

const OWNER = 'call_log_owner';
const cursorKey = (owner: string) => `call_log_cursor:${owner}`;

export class CallLogService {
  private readonly sync: SyncState;

  constructor(private readonly db: Database) {
    this.sync = new SyncState(db);
  }

  /** Whose log this device shows: the account that last synced here (null before any). */
  owner(): string | null {
    return this.sync.get(OWNER);
  }

  /**
   * The signed-in account, as the server named it. The first account on this device takes over the entries
   * written before anyone synced; another account afterwards sees only its own.
   */
  setOwner(accountId: string): void {
    const previous = this.owner();
    if (previous === accountId) return;
    this.db.transaction(() => {
      if (previous === null)
        this.db.prepare('UPDATE call_log SET account_id = ? WHERE account_id IS NULL').run(accountId);
      this.sync.set(OWNER, accountId);
    })();
  }

  /** The owner's pull position on the server's counter of that account's log. */
  cursor(): number {
    const owner = this.owner();
    return owner ? Number(this.sync.get(cursorKey(owner)) ?? 0) : 0;
  }

  /** The owner's entries the server does not have as they are now, with the revision being sent. */
  syncBatch(limit = 500): { entries: CallLogSyncEntry[]; revs: { id: string; rev: number }[] } {
    const owner = this.owner();
    if (!owner) return { entries: [], revs: [] };
    const rows = this.db
      .prepare('SELECT * FROM call_log WHERE account_id = ? AND rev > pushed_rev ORDER BY started_at LIMIT ?')
      .all(owner, limit) as Row[];
    return {
      entries: rows.map((r) => {
        const { durationS: _duration, ...entry } = toEntry(r);
        return { ...entry, seen: r.seen ? 1 : 0 };
      }),
      revs: rows.map((r) => ({ id: r.id, rev: r.rev })),
    };
  }

  /** The server has these revisions (a later change, such as "seen" meanwhile, is still to be sent). */
  acknowledge(revs: { id: string; rev: number }[]): void {
    const mark = this.db.prepare('UPDATE call_log SET pushed_rev = ? WHERE id = ? AND pushed_rev < ?');
    this.db.transaction(() => {
      for (const { id, rev } of revs) mark.run(rev, id, rev);
    })();
  }

  /**
   * Entries from the owner's other devices, and the new position, in one transaction; how many changed.
   * A page of another account than this device's owner makes that account the owner; if it was read at
   * another position than that account's own, it is `stale` and nothing is applied (read it again).
   */
  applyPage(page: CallLogPage): { changed: number; stale: boolean } {
    if (page.account !== this.owner()) this.setOwner(page.account);
    if (page.after !== this.cursor()) return { changed: 0, stale: true };
    const insert = this.db.prepare(
      `INSERT INTO call_log (id, account_id, direction, peer_name, kind, status, started_at, answered_at, ended_at,
         seen, rev, pushed_rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)
       ON CONFLICT (id) DO UPDATE SET seen = max(seen, excluded.seen)`,
    );
    let changed = 0;
    this.db.transaction(() => {
      for (const e of page.entries)
        changed += insert.run(
          e.id,
          page.account,
          e.direction,
          e.peerName,
          e.kind,
          e.status,
          e.startedAt,
          e.answeredAt,
          e.endedAt,
          e.seen,
        ).changes;
      this.sync.set(cursorKey(page.account), String(page.next));
    })();
    return { changed, stale: false };
  }

  add(input: Input): LocalCallLogEntry {
    const id = uuidv7();
    this.db
      .prepare(
        `INSERT INTO call_log (id, direction, peer_name, kind, status, started_at, answered_at, ended_at, seen,
           account_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.direction,
        input.peerName,
        input.kind,
        input.status,
        input.startedAt,
        input.answeredAt,
        input.endedAt,
        // Only missed incoming calls wait to be seen.
        input.status === 'missed' && input.direction === 'incoming' ? 0 : 1,
        this.owner(),
      );
    return toEntry(this.db.prepare('SELECT * FROM call_log WHERE id = ?').get(id) as Row);
  }

  list(filter: Filter): LocalCallLogEntry[] {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      values.push(value);
    };
    // Only the signed-in user's own log (a shared workstation shows each user theirs).
    add('account_id IS ?', this.owner());
    if (filter.direction) add('direction = ?', filter.direction);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.status) add('status = ?', filter.status);
    if (filter.search) add("peer_name LIKE ? ESCAPE '\\'", `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const sql = `SELECT * FROM call_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...values, filter.limit) as Row[]).map(toEntry);
  }

  missed(): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM call_log WHERE seen = 0 AND account_id IS ?').get(this.owner()) as {
        n: number;
      }
    ).n;
  }

  /** Seen here: a new revision, so the user's other devices learn it too. */
  markSeen(): number {
    this.db.prepare('UPDATE call_log SET seen = 1, rev = rev + 1 WHERE seen = 0 AND account_id IS ?').run(this.owner());
    return 0;
  }
}
