/**
 * The device's side of sync. Pushing reads the outbox after the acknowledged entry and sends each entry as
 * the row's current values and stamps of the fields it changed (a later local change of the same field
 * simply travels with the newer value; stamps decide). Pulling applies the practice's rows field by field
 * with the shared rule (the later stamp wins), without writing outbox entries: what came from the server
 * does not go back. Both keep their position in `sync_state`, written in the same transaction as what they
 * did, so a crash at any point repeats at most a step the server treats idempotently.
 */
import { z } from 'zod';
import {
  AGENDA_READY_AFTER,
  columnsOf,
  fieldsOfRow,
  mergeFields,
  newestStamp,
  SNAPSHOT_PHASES,
  SNAPSHOT_WINDOW,
  snapshotPositionSchema,
  snapshotRowOf,
  SYNC_SCHEMA,
  SYNC_SCHEMA_VERSION,
  syncRoutes,
  type FieldMap,
  type SnapshotPage,
  type SnapshotPosition,
  type SnapshotRow,
  type SyncChange,
  type SyncPushBody,
  type SyncTable,
} from '../../../protocol/sync';
import type { Statement } from 'better-sqlite3';
import { parseAnswer, ProtocolError } from '../../../protocol/client';
import { toAppError } from '../account/serverClient';
import { AppError } from '../errors';
import type { Db } from '../db/database';
import type { HybridClock } from './hlc';
import { fieldStamps, type Row } from './repository';
import { StagedIndexes } from './stagedIndexes';
import { SyncState } from './syncState';
import { unpackAnswer } from './packedAnswer';

/** The device's SYNC_SCHEMA_VERSION travels in `schema` (the engine always sends it). */
export type PushBatch = SyncPushBody;

export interface PullPage {
  changes: SyncChange[];
  next: number;
  more: boolean;
}

export interface SyncTransport {
  push(batch: PushBatch): Promise<{ acked: number; cursor: number }>;
  pull(after: number, limit: number, device?: string): Promise<PullPage>;
  /** A page of the first download (protocol/sync `SNAPSHOT_PHASES`). */
  snapshot(position: SnapshotPosition, limit: number, device?: string): Promise<SnapshotPage>;
  /**
   * The same page as the answer's bytes, parsed by whoever applies it (`SyncLocal.takeSnapshotPage`): the
   * app's sync driver hands it to the core's worker, so the main thread neither parses nor copies 5,000
   * rows of objects.
   */
  snapshotRaw?(position: SnapshotPosition, limit: number, device?: string): Promise<Uint8Array>;
}

/** A first download in progress: where it stands, kept on the device so that it resumes after a stop. */
export const downloadStateSchema = z.object({
  position: snapshotPositionSchema,
  received: z.number().int().min(0),
  total: z.number().int().min(0).nullable(),
});
export type DownloadState = z.infer<typeof downloadStateSchema>;

/** Past the agenda's patients (or done): the set-up, the current weeks and the patients they name are here. */
export const agendaReady = (state: DownloadState | null): boolean =>
  state === null || SNAPSHOT_PHASES.indexOf(state.position.phase) > SNAPSHOT_PHASES.indexOf(AGENDA_READY_AFTER);

/** A download that starts now: the current weeks are two weeks back to eight weeks ahead of `now`. */
export const startingDownload = (now: number): DownloadState => ({
  position: {
    phase: SNAPSHOT_PHASES[0],
    after: 0,
    upTo: 0,
    from: Math.max(0, now - SNAPSHOT_WINDOW.backMs),
    to: now + SNAPSHOT_WINDOW.aheadMs,
  },
  received: 0,
  total: null,
});

/**
 * Where a download stands once `page` is applied after `state`; null when it was the last page. The driver
 * asks for the next page with this before the current one is applied (the server reads it meanwhile).
 */
export const nextDownload = (state: DownloadState, page: SnapshotPage): DownloadState | null =>
  page.next
    ? {
        position: { ...state.position, ...page.next, upTo: page.upTo },
        received: state.received + page.rows.length,
        total: page.total ?? state.total,
      }
    : null;

/** The steps of a first download, wherever the device's side runs (in this thread or the core's worker). */
export interface DownloadSteps<P> {
  fetch(position: SnapshotPosition): Promise<P>;
  /** Reads a fetched page (`SyncLocal.takeSnapshotPage`); where the download stands after it. */
  take(page: P, state: DownloadState): Promise<DownloadState | null> | DownloadState | null;
  /** Applies the page taken last (`SyncLocal.applyTakenPage`). */
  apply(): Promise<{ tables: string[] }> | { tables: string[] };
  /** After each page: where it was applied, where the download stands now (null: done), what changed. */
  applied?(at: DownloadState, next: DownloadState | null, tables: string[]): void;
}

/**
 * Runs a first download from `first` to its end. Each page is asked for as soon as the one before it has
 * been read, so the server reads and sends page n+1 while the device applies page n (at most two pages are
 * held). A request made ahead and never awaited (applying failed) is marked handled, so it cannot end the
 * process; the download resumes from the position kept with the last page applied.
 */
export async function runDownload<P>(first: DownloadState, steps: DownloadSteps<P>): Promise<void> {
  let state = first;
  let next = await steps.take(await steps.fetch(first.position), state);
  for (;;) {
    const ahead = next && steps.fetch(next.position);
    ahead?.catch(() => undefined); // awaited below
    const { tables } = await steps.apply();
    steps.applied?.(state, next, tables);
    if (!next || !ahead) return;
    state = next;
    next = await steps.take(await ahead, state);
  }
}

/** The steps of sending the outbox, wherever the device's side runs (in this thread or the core's worker). */
export interface PushSteps {
  /** The outbox's batch after entry `after` (default: the acknowledged one), or null. */
  next(after?: number): Promise<PushBatch | null> | PushBatch | null;
  send(batch: PushBatch): Promise<{ acked: number }>;
  acknowledge(acked: number): Promise<void> | void;
  /** After each acknowledged batch. */
  sent?(): Promise<void> | void;
}

/** Whether a push was refused because the server had not stored the batch before it yet. */
const isGap = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 'sync_gap';

/**
 * Sends the outbox in batches until it is empty; returns how many entries the server acknowledged.
 *
 * Two batches are on their way at a time: the next one is read while the server stores the one before,
 * and sent before that one is answered, so the server never waits for the device between batches (with
 * one request at a time it stood idle for a third of a push: the answer's way back, the device's
 * acknowledging, the next request's way there). The server stores a device's batches one after the other
 * in sequence order (each checks that it follows the last stored one); a batch that overtook the one
 * before it (possible with several server processes) is refused as a gap, and is sent again, alone, once
 * the one before is acknowledged. The second request goes out only after the run's first answer: a
 * device the server does not know yet is created by its first batch, which then must have been stored.
 * When the server acknowledges anything but a batch's last entry (it had more, after a lost answer), what
 * is in flight is let land and the next batch read from what it acknowledged.
 */
export async function runPush(steps: PushSteps): Promise<number> {
  const inFlight: { batch: PushBatch; answer: Promise<{ acked: number }>; overtaking: boolean }[] = [];
  let sent = 0;
  let answered = false;
  let batch = await steps.next();
  const drop = async () => {
    await Promise.allSettled(inFlight.map((f) => f.answer));
    inFlight.length = 0;
  };
  while (batch || inFlight.length > 0) {
    while (batch && inFlight.length < (answered ? 2 : 1)) {
      const answer = steps.send(batch);
      answer.catch(() => undefined); // awaited below
      inFlight.push({ batch, answer, overtaking: inFlight.length > 0 });
      await new Promise((resolve) => setImmediate(resolve)); // the request leaves before the next is read
      batch = await steps.next(batch.toSeq);
    }
    const oldest = inFlight.shift()!;
    let acked: number;
    try {
      ({ acked } = await oldest.answer);
    } catch (error) {
      await drop();
      // Sent while the batch before was on its way, and it arrived first: sent again, now alone.
      if (!(oldest.overtaking && isGap(error))) throw error;
      batch = await steps.next();
      continue;
    }
    answered = true;
    await steps.acknowledge(acked);
    sent += oldest.batch.toSeq - oldest.batch.fromSeq + 1;
    await steps.sent?.();
    if (acked !== oldest.batch.toSeq) {
      await drop();
      batch = await steps.next();
    }
  }
  return sent;
}

/** What the app's sync driver (main thread) asks of the device's side (in the core worker), step by step. */
export interface SyncLocal {
  deviceId(): string;
  /** The outbox's batch after entry `after` (default: the acknowledged one), or null when there is none. */
  nextBatch(after?: number): PushBatch | null;
  acknowledge(acked: number): void;
  cursor(): number;
  /** Applies a page; the names of the tables that changed here. */
  applyPage(page: PullPage): string[];
  /**
   * The first download in progress, or one to start (this device has never pulled), or null (it pulls
   * changes after its cursor).
   */
  download(now: number): DownloadState | null;
  /**
   * Takes a page of the first download that arrived after `state` (as the answer's bytes, parsed and checked
   * here with the route's schema, or parsed already) and answers where the download stands after it, so
   * that the next page can be asked for while this one is applied.
   */
  takeSnapshotPage(input: { page: SnapshotPage | Uint8Array; state: DownloadState }): DownloadState | null;
  /** Applies the page taken last and keeps where the download stands, in one transaction. */
  applyTakenPage(): { tables: string[]; state: DownloadState | null };
  pending(): number;
  /** Messages held on the server for want of credits, as the device last heard. */
  heldCount(): number;
  /** Whether this device holds the practice's own data (patients, appointments), not only the first set-up. */
  hasLocalData(): boolean;
  firstSyncDone(): boolean;
  markFirstSyncDone(): void;
  /** Empties the synced tables and the outbox for the account's practice (after an export). */
  resetForAccount(): void;
}

interface OutboxEntry {
  seq: number;
  table_name: string;
  row_id: string;
  op: 'insert' | 'update' | 'delete';
  fields: string;
}

/** The named fields of a local row with their values and stamps (the row's stamps parsed once). */
function fieldMap(row: Row, names: readonly string[]): FieldMap {
  const stampOf = fieldStamps(String(row.field_hlc), String(row.hlc));
  const fields: FieldMap = {};
  for (const name of names) fields[name] = { v: row[name] ?? null, s: stampOf(name) };
  return fields;
}

const ACKED = 'outbox_acked';
const CURSOR = 'pull_cursor';
const FIRST_SYNC = 'first_sync_done';
const DOWNLOAD = 'download';

export class SyncEngine implements SyncLocal {
  private readonly kept: SyncState;
  private readonly indexes: StagedIndexes;

  constructor(
    private readonly db: Db,
    private readonly clock: HybridClock,
    private readonly device: { id: string; name: string },
    private readonly transport: SyncTransport,
    private readonly batchSize = 500,
    /** A history phase with more rows than this left is written with its staged indexes dropped. */
    private readonly stageIndexesAbove = 50_000,
  ) {
    this.kept = new SyncState(db);
    this.indexes = new StagedIndexes(db, this.kept);
    // Staged indexes without a download to finish (the device was reset meanwhile): created again now.
    if (this.kept.get(DOWNLOAD) === null && this.indexes.staged()) db.transaction(() => this.indexes.restore())();
  }

  private state(key: string): number {
    return Number(this.kept.get(key) ?? 0);
  }

  /** Local changes not yet acknowledged by the server. */
  pending(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM outbox WHERE seq > ?').get(this.state(ACKED)) as { n: number })
      .n;
  }

  /** The change an outbox entry stands for: the row's current values and stamps of the fields it names. */
  /**
   * The changes the outbox entries name, with the rows' current values: the rows are read per table with
   * one query for many ids (one query per entry was most of the device's share of a large push).
   */
  private changesOf(entries: readonly OutboxEntry[]): SyncChange[] {
    const rows = new Map<string, Row>();
    const byTable = new Map<SyncTable, string[]>();
    for (const e of entries) {
      const ids = byTable.get(e.table_name as SyncTable) ?? [];
      ids.push(e.row_id);
      byTable.set(e.table_name as SyncTable, ids);
    }
    for (const [table, ids] of byTable) {
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 500) {
        const chunk = unique.slice(i, i + 500);
        const found = this.db
          .prepare(`SELECT * FROM ${table} WHERE id IN (${chunk.map(() => '?').join(', ')})`)
          .all(...chunk) as Row[];
        for (const row of found) rows.set(`${table} ${String(row.id)}`, row);
      }
    }
    return entries.map((entry) => {
      const table = entry.table_name as SyncTable;
      const named = JSON.parse(entry.fields) as string[];
      const names =
        entry.op === 'delete'
          ? ['deleted']
          : named.includes('*')
            ? [...Object.keys(SYNC_SCHEMA[table]), 'deleted']
            : named;
      return { table, id: entry.row_id, fields: fieldMap(rows.get(`${table} ${entry.row_id}`)!, names) };
    });
  }

  /** The outbox's batch after entry `after` (default: the acknowledged one), or null when there is none. */
  nextBatch(after?: number): PushBatch | null {
    const acked = after ?? this.state(ACKED);
    const entries = this.db
      .prepare('SELECT seq, table_name, row_id, op, fields FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(acked, this.batchSize) as OutboxEntry[];
    if (entries.length === 0) return null;
    // Outbox sequence numbers have no gaps; the server counts one change per number.
    return {
      schema: SYNC_SCHEMA_VERSION,
      deviceId: this.device.id,
      deviceName: this.device.name,
      fromSeq: acked + 1,
      toSeq: entries.at(-1)!.seq,
      changes: this.changesOf(entries),
    };
  }

  deviceId(): string {
    return this.device.id;
  }

  acknowledge(acked: number): void {
    this.db.transaction(() => this.kept.set(ACKED, String(acked)))();
  }

  cursor(): number {
    return this.state(CURSOR);
  }

  /** Applies one page of the practice's changes and moves the cursor, in one transaction. */
  applyPage(page: PullPage): string[] {
    const rows = page.changes.flatMap((change) => snapshotRowOf(change.table, change.id, change.fields) ?? []);
    return this.applyChanges(rows, () => this.kept.set(CURSOR, String(page.next)));
  }

  /**
   * Applies changes and, in the same transaction, records where sync stands (`position`, after the rows;
   * `before` runs ahead of them). Rows come in the order they last changed (or by phase, in a first
   * download), so an appointment may come before the patient it names. Foreign keys are not checked while
   * a page is applied; the pragma is set and reset around the synchronous transaction, so no other command
   * runs in between. A page's new patients are added to the search index by one statement.
   */
  private applyChanges(rows: readonly SnapshotRow[], position: () => void, before?: () => void): string[] {
    const tables = new Set<string>();
    const write = () => {
      for (const row of rows) if (this.apply(row)) tables.add(row.table);
    };
    this.db.pragma('foreign_keys = OFF');
    try {
      this.db.transaction(() => {
        before?.();
        if (rows.some((row) => row.table === 'patients')) this.indexes.withPatientSearch(write);
        else write();
        position();
      })();
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
    return [...tables];
  }

  download(now: number): DownloadState | null {
    const kept = this.kept.get(DOWNLOAD);
    if (kept) {
      const parsed = downloadStateSchema.safeParse(JSON.parse(kept));
      if (parsed.success) return parsed.data;
    }
    return this.cursor() === 0 ? startingDownload(now) : null;
  }

  applySnapshotPage({ page, state }: { page: SnapshotPage; state: DownloadState }): {
    tables: string[];
    state: DownloadState | null;
  } {
    const next = nextDownload(state, page);
    // A long history phase is written without the indexes that its order makes random (StagedIndexes).
    const stage =
      state.position.phase === 'history' &&
      state.total !== null &&
      state.total - state.received > this.stageIndexesAbove;
    const tables = this.applyChanges(
      page.rows,
      () => {
        if (next) {
          this.kept.set(DOWNLOAD, JSON.stringify(next));
          return;
        }
        // Complete: from here on the device pulls what changed after the download's rows.
        this.indexes.restore();
        this.kept.delete(DOWNLOAD);
        this.kept.set(CURSOR, String(page.upTo));
      },
      () => {
        if (stage) this.indexes.stage();
      },
    );
    return { tables, state: next };
  }

  /** The page of the first download taken and not yet applied. */
  private taken: { page: SnapshotPage; state: DownloadState } | null = null;

  takeSnapshotPage({ page, state }: { page: SnapshotPage | Uint8Array; state: DownloadState }): DownloadState | null {
    let parsed: SnapshotPage;
    try {
      parsed = page instanceof Uint8Array ? parseAnswer(syncRoutes.snapshot, unpackAnswer(page)) : page;
    } catch (error) {
      throw error instanceof ProtocolError ? toAppError(error) : error;
    }
    this.taken = { page: parsed, state };
    return nextDownload(state, parsed);
  }

  applyTakenPage(): { tables: string[]; state: DownloadState | null } {
    const taken = this.taken;
    // A worker started again between the two steps has no page: the download goes on from where it stands.
    if (!taken) throw new AppError('internal', 'No page of the download to apply');
    this.taken = null;
    return this.applySnapshotPage(taken);
  }

  /** Runs (or resumes) the first download to its end; returns how many rows changed here. */
  async snapshot(onPage?: (state: DownloadState, tables: string[]) => void): Promise<number> {
    const before = this.changedRows;
    const first = this.download(this.clock.now());
    if (!first) return 0;
    await runDownload(first, {
      fetch: (position) => this.transport.snapshot(position, this.batchSize, this.device.id),
      take: (page, state) => this.takeSnapshotPage({ page, state }),
      apply: () => this.applyTakenPage(),
      applied: (at, next, tables) => onPage?.(next ?? at, tables),
    });
    return this.changedRows - before;
  }

  heldCount(): number {
    return (
      this.statement("SELECT count(*) AS n FROM messages WHERE status = 'held' AND deleted = 0").get() as { n: number }
    ).n;
  }

  hasLocalData(): boolean {
    const count = (table: string) =>
      (this.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE deleted = 0`).get() as { n: number }).n;
    return count('patients') > 0 || count('appointments') > 0;
  }

  firstSyncDone(): boolean {
    return this.state(FIRST_SYNC) === 1;
  }

  markFirstSyncDone(): void {
    this.kept.set(FIRST_SYNC, '1');
  }

  /** Sends the outbox in batches until it is empty; returns how many entries the server acknowledged. */
  push(): Promise<number> {
    return runPush({
      next: (after) => this.nextBatch(after),
      send: (batch) => this.transport.push(batch),
      acknowledge: (acked) => this.acknowledge(acked),
    });
  }

  /**
   * Applies the practice's changes after the last cursor, page by page — after the first download, if
   * this device has not had it yet; returns how many rows changed here.
   */
  async pull(): Promise<number> {
    let applied = await this.snapshot();
    for (;;) {
      const page = await this.transport.pull(this.cursor(), this.batchSize, this.device.id);
      const before = this.changedRows;
      this.applyPage(page);
      applied += this.changedRows - before;
      if (!page.more) return applied;
    }
  }

  /** Prepared statements by their SQL: a pull applies thousands of rows with a handful of shapes. */
  private readonly statements = new Map<string, Statement<unknown[]>>();

  private statement(sql: string): Statement<unknown[]> {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare<unknown[]>(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Rows changed by pulls so far (for `pull`'s count). */
  private changedRows = 0;

  /**
   * A device that joins a practice which already has data on the server replaces its local practice with
   * the account's (the user chose so; the app exports the local data first): the synced tables and the
   * outbox are emptied, without outbox entries, and everything is pulled from the start. Two practices are
   * never merged silently (their set-ups would clash: two sets of templates, tenants, appointment types).
   */
  async adoptAccountPractice(): Promise<number> {
    this.resetForAccount();
    return this.pull();
  }

  resetForAccount(): void {
    this.db.pragma('foreign_keys = OFF');
    try {
      this.db.transaction(() => {
        for (const table of Object.keys(SYNC_SCHEMA)) this.db.prepare(`DELETE FROM ${table}`).run();
        // The search index follows patients by triggers that never see a row removed (deletions are
        // tombstones): emptied with them, or a new patient taking a freed rowid would collide in it.
        this.db.prepare('DELETE FROM patients_fts').run();
        // The outbox's numbering goes on after its last entry (AUTOINCREMENT): nothing before it is to be sent.
        const last = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
          { seq: number } | undefined;
        this.db.prepare('DELETE FROM outbox').run();
        this.kept.set(ACKED, String(last?.seq ?? 0));
        this.kept.set(CURSOR, '0');
        this.kept.delete(DOWNLOAD);
        this.indexes.restore();
      })();
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  /** Push, then pull: what a timer, a reconnect or the server's notice runs. */
  async sync(): Promise<{ pushed: number; pulled: number }> {
    const pushed = await this.push();
    const pulled = await this.pull();
    return { pushed, pulled };
  }

  /** Per table, the insert of a row that arrives with every field in column order (almost every row). */
  private readonly wholeRowInserts = new Map<SyncTable, Statement<unknown[]>>();

  private insertOf(table: SyncTable, names: readonly string[], whole: boolean): Statement<unknown[]> {
    const sql = () =>
      `INSERT INTO ${table} (id, hlc, field_hlc${names.map((n) => `, ${n}`).join('')})
         VALUES (?, ?, ?${', ?'.repeat(names.length)}) ON CONFLICT (id) DO NOTHING`;
    if (!whole) return this.statement(sql());
    let insert = this.wholeRowInserts.get(table);
    if (!insert) this.wholeRowInserts.set(table, (insert = this.db.prepare<unknown[]>(sql())));
    return insert;
  }

  /**
   * Merges one remote row into the local one; true when a field changed. Most rows a download brings are
   * new here: they are inserted at once (no conflict on the id) with the row's stamps as they came, and
   * only a row that exists is read and merged field by field. Fields this device does not know are left out.
   */
  private apply(row: SnapshotRow): boolean {
    const { table, id, s, v } = row;
    // The clock takes in the newest stamp; the next local stamp follows it.
    this.clock.receive(s);
    const columns = columnsOf(table);
    let whole = true;
    let count = 0;
    for (const name in v) if (columns[count++] !== name) whole = false;
    whole &&= count === columns.length;
    const names = whole ? columns : columns.filter((name) => Object.hasOwn(v, name));
    const values: unknown[] = [id, s, row.f ? JSON.stringify(row.f) : '{}'];
    for (const name of names) values.push(v[name]);
    if (this.insertOf(table, names, whole).run(...values).changes === 1) {
      this.changedRows += 1;
      return true;
    }
    const existing = this.statement(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Row;
    const { merged, changed } = mergeFields(fieldMap(existing, columns), fieldsOfRow(row));
    if (changed.length === 0) return false;
    this.changedRows += 1;
    const rowStamp = newestStamp(merged);
    const set = changed.filter((n) => names.includes(n));
    this.statement(
      `UPDATE ${table} SET hlc = ?, field_hlc = ?${set.map((n) => `, ${n} = ?`).join('')} WHERE id = ?`,
    ).run(rowStamp, ownStamps(merged, rowStamp), ...set.map((n) => merged[n]!.v), id);
    return true;
  }
}

/**
 * A row's `field_hlc`: the stamps of the fields whose stamp is not the row's own (`fieldStamps` gives the
 * row's stamp to every field it does not name), so a row that arrives whole stores '{}' — every field keeps
 * its own stamp for the next merge without a copy of the same stamp per field in each of a million rows.
 */
function ownStamps(fields: FieldMap, rowStamp: string): string {
  let own: Record<string, string> | null = null;
  for (const name in fields) {
    const s = fields[name]!.s;
    if (s !== rowStamp) (own ??= {})[name] = s;
  }
  return own ? JSON.stringify(own) : '{}';
}
