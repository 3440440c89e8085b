/** The device's call log (local, not synced): written when a call ends, listed with filters, missed badge. */
import { v7 as uuidv7 } from 'uuid';
import type { Database } from 'better-sqlite3';
import type { LocalCallLogEntry } from '../../../src-preload/contract';

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

export class CallLogService {
  constructor(private readonly db: Database) {}

  add(input: Input): LocalCallLogEntry {
    const id = uuidv7();
    this.db
      .prepare(
        `INSERT INTO call_log (id, direction, peer_name, kind, status, started_at, answered_at, ended_at, seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    if (filter.direction) add('direction = ?', filter.direction);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.status) add('status = ?', filter.status);
    if (filter.search) add("peer_name LIKE ? ESCAPE '\\'", `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const sql = `SELECT * FROM call_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...values, filter.limit) as Row[]).map(toEntry);
  }

  missed(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM call_log WHERE seen = 0').get() as { n: number }).n;
  }

  markSeen(): number {
    this.db.prepare('UPDATE call_log SET seen = 1 WHERE seen = 0').run();
    return 0;
  }
}
