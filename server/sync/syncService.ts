/**
 * The server side of sync. A push applies a device's outbox entries in one transaction: entries already
 * acknowledged are skipped (a retried batch changes nothing), every change is validated first (one bad row
 * refuses the whole batch, naming the row and field), stamps from a clock far in the future are refused,
 * and each row is merged field by field with the shared rule (the later stamp wins) under the practice's
 * counter, which orders the changes for pulling. A pull returns the practice's rows changed after a
 * cursor, in pages. Only the practice's own accounts ever reach its rows: the practice is derived from
 * the caller's account, never taken from the request.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  fieldProblem,
  MAX_CLOCK_SKEW_MS,
  mergeFields,
  newestStamp,
  SETUP_TABLES,
  SNAPSHOT_PHASES,
  snapshotRowOf,
  stampWall,
  type SnapshotPage,
  type SnapshotPhase,
  type FieldMap,
  type SyncChange,
  type SyncPushBody,
  type SyncTable,
  SYNC_SCHEMA_VERSION,
} from '../../protocol/sync';

/** Refuses a device built with an older sync schema than the server's: it must update first. */
export function requireSchema(version: number | undefined): void {
  if (version !== undefined && version < SYNC_SCHEMA_VERSION)
    throw new ApiError(409, 'update_required', 'This version of ClinicDesk is too old to sync; please update it', [
      { path: 'schema', code: 'update_required' },
    ]);
}
import type { Profile } from '../accounts/accountService';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { bumpCounter } from './counter';
import { snapshotKeys } from './snapshotKeys';

/** The practice an account works in: its organisation, or the account itself. */
export const practiceOf = (profile: Pick<Profile, 'id' | 'organisationId'>): string =>
  profile.organisationId ? `org:${profile.organisationId}` : `acct:${profile.id}`;

export type PushInput = SyncPushBody;

/** A practice's set-up row (name, phone, time zone, quiet hours, country) as last synced, or null. */
export async function readPracticeRow(db: Kysely<ServerDatabase>, practiceId: string): Promise<FieldMap | null> {
  const row = await db
    .selectFrom('sync_rows')
    .select('fields')
    .where('practice_id', '=', practiceId)
    .where('table_name', '=', 'practice')
    .limit(1)
    .executeTakeFirst();
  return row ? (JSON.parse(row.fields) as FieldMap) : null;
}

/** A stored row as the change a device receives (rows were checked against the schema when written). */
const storedChange = (r: { table_name: string; row_id: string; fields: string }): SyncChange => ({
  table: r.table_name as SyncChange['table'],
  id: r.row_id,
  fields: JSON.parse(r.fields) as FieldMap,
});

/** A row's key in the maps of a batch. */
const rowKey = (table: string, id: string) => `${table} ${id}`;

type ChangedListener = (practiceId: string, cursor: number, deviceId: string) => void;

/**
 * Told inside the push's transaction after a row changed (the dispatcher queues a message here, in the same
 * transaction, so a message is never acknowledged to its device without being queued).
 */
export type RowHook = (
  trx: Transaction<ServerDatabase>,
  practiceId: string,
  change: { table: SyncTable; id: string; fields: FieldMap },
) => Promise<void>;

/** The server's node in stamps: its writes (a message's status, a tenant's balance) merge like any device's. */
export const SERVER_NODE = 'server';

/** A stamp later than every stamp of the row (and not before now), so the server's write wins this merge. */
export function stampAfter(fields: FieldMap, now: number): string {
  const latest = newestStamp(fields);
  const wall = latest ? stampWall(latest) : 0;
  const counter = latest ? parseInt(latest.slice(10, 15), 36) : 0;
  const [w, c] = now > wall ? [now, 0] : [wall, counter + 1];
  return `${w.toString(36).padStart(9, '0')}:${c.toString(36).padStart(5, '0')}:${SERVER_NODE}`;
}

export class SyncService {
  private readonly listeners: ChangedListener[] = [];
  private readonly hooks: RowHook[] = [];

  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly now: () => number,
    /** The database's planner statistics brought up to date (see `ServerDb`), before a first download. */
    private readonly refreshStatistics: () => Promise<void> = async () => {},
  ) {}

  /** Told after a push changed rows, so the practice's other devices pull at once. */
  onChanged(listener: ChangedListener): void {
    this.listeners.push(listener);
  }

  /** Runs inside every push's transaction for each row that changed. */
  onRow(hook: RowHook): void {
    this.hooks.push(hook);
  }

  /** Tells the practice's devices that rows changed (after the transaction that changed them committed). */
  notify(practiceId: string, cursor: number, deviceId = SERVER_NODE): void {
    for (const listener of this.listeners) listener(practiceId, cursor, deviceId);
  }

  /**
   * The server's own change of a synced row (a message's status, a tenant's balance), inside the caller's
   * transaction: stamped later than the row's fields, merged and numbered like a device's change. Returns
   * the new sequence number (for `notify` after commit), or null when the row does not exist or nothing
   * changed.
   */
  async writeFields(
    trx: Transaction<ServerDatabase>,
    practiceId: string,
    table: SyncTable,
    id: string,
    values: Record<string, string | number | null>,
  ): Promise<number | null> {
    return this.writeFieldsMany(trx, practiceId, table, [{ id, values }]);
  }

  /** The practice's set-up row (one per practice: time zone, quiet hours, country), or null. */
  practiceRow(practiceId: string): Promise<FieldMap | null> {
    return readPracticeRow(this.db, practiceId);
  }

  /** A practice's synced row as the server holds it, or null. */
  async row(
    db: Kysely<ServerDatabase> | Transaction<ServerDatabase>,
    practiceId: string,
    table: SyncTable,
    id: string,
  ): Promise<FieldMap | null> {
    const stored = await this.stored(db, practiceId, table, id);
    return stored ? (JSON.parse(stored.fields) as FieldMap) : null;
  }

  async push(profile: Profile, input: PushInput): Promise<{ acked: number; cursor: number }> {
    const practiceId = practiceOf(profile);
    requireSchema(input.schema);
    if (input.changes.length !== input.toSeq - input.fromSeq + 1)
      throw new ApiError(400, 'bad_request', 'A batch carries one change per sequence number', [
        { path: 'changes', code: 'range_invalid' },
      ]);
    this.validate(input.changes);
    const result = await this.db.transaction().execute(async (trx) => {
      const device = await this.device(trx, profile, practiceId, input);
      if (input.toSeq <= device.acked_seq) {
        return { acked: device.acked_seq, cursor: await this.cursor(trx, practiceId), changed: 0 };
      }
      if (input.fromSeq > device.acked_seq + 1)
        throw new ApiError(409, 'sync_gap', `Expected changes from ${device.acked_seq + 1}`, [
          { path: 'fromSeq', code: 'sync_gap' },
        ]);
      // Entries acknowledged before (a batch resent after a lost answer) are skipped.
      const fresh = input.changes.slice(device.acked_seq + 1 - input.fromSeq);
      const changed = await this.applyBatch(trx, practiceId, fresh);
      await trx
        .updateTable('sync_devices')
        .set({ acked_seq: input.toSeq, last_sync_at: this.now(), name: input.deviceName || device.name })
        .where('id', '=', device.id)
        .execute();
      return { acked: input.toSeq, cursor: await this.cursor(trx, practiceId), changed };
    });
    if (result.changed > 0) for (const listener of this.listeners) listener(practiceId, result.cursor, input.deviceId);
    return { acked: result.acked, cursor: result.cursor };
  }

  async pull(
    profile: Profile,
    after: number,
    limit: number,
    deviceId?: string,
  ): Promise<{ changes: SyncChange[]; next: number; more: boolean }> {
    const practiceId = practiceOf(profile);
    await this.checkDevice(profile, practiceId, deviceId);
    const rows = await this.db
      .selectFrom('sync_rows')
      .select(['table_name', 'row_id', 'fields', 'seq'])
      .where('practice_id', '=', practiceId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    return {
      changes: page.map(storedChange),
      next: page.at(-1)?.seq ?? after,
      more: rows.length > limit,
    };
  }

  /** A pulling device of another account or practice is refused, and so is a revoked one. */
  private async checkDevice(profile: Profile, practiceId: string, deviceId: string | undefined): Promise<void> {
    if (!deviceId) return;
    const device = await this.db.selectFrom('sync_devices').selectAll().where('id', '=', deviceId).executeTakeFirst();
    if (device && (device.practice_id !== practiceId || device.account_id !== profile.id))
      throw new ApiError(403, 'forbidden', 'This device belongs to another account');
    if (device?.revoked_at != null) throw new ApiError(403, 'device_revoked', 'This device was revoked');
  }

  /**
   * One page of a new device's first download (see protocol/sync `SNAPSHOT_PHASES`). The first request
   * (upTo 0) fixes `upTo` at the practice's cursor and answers how many rows the download holds.
   */
  async snapshot(
    profile: Profile,
    query: { phase: SnapshotPhase; after: number; upTo: number; from: number; to: number; limit: number },
    deviceId?: string,
  ): Promise<SnapshotPage> {
    const practiceId = practiceOf(profile);
    await this.checkDevice(profile, practiceId, deviceId);
    let { upTo } = query;
    let total: number | null = null;
    if (upTo === 0) {
      // A first download reads the practice by table and by date: without statistics that know the
      // indexes' shapes, SQLite's planner walked the whole change index for each small set-up table.
      await this.refreshStatistics();
      upTo = await this.cursor(this.db, practiceId);
      const counted = await this.db
        .selectFrom('sync_rows')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('practice_id', '=', practiceId)
        .where('seq', '<=', upTo)
        .executeTakeFirst();
      total = Number(counted?.n ?? 0);
    }
    const { phase, after, from, to, limit } = query;
    // The patients the current weeks' appointments name (ref_id is never null here, so NOT IN is exact).
    const agendaPatients = this.db
      .selectFrom('sync_rows as a')
      .select('a.ref_id')
      .where('a.practice_id', '=', practiceId)
      .where('a.table_name', '=', 'appointments')
      .where('a.start_at', '>=', from)
      .where('a.start_at', '<', to)
      .where('a.seq', '<=', upTo)
      .where('a.ref_id', 'is not', null);
    const rows = await this.db
      .selectFrom('sync_rows')
      .select(['table_name', 'row_id', 'fields', 'seq'])
      .where('practice_id', '=', practiceId)
      .where('seq', '>', after)
      .where('seq', '<=', upTo)
      .where((eb) => {
        switch (phase) {
          case 'agenda':
            return eb.and([eb('table_name', '=', 'appointments'), eb('start_at', '>=', from), eb('start_at', '<', to)]);
          case 'agendaPatients':
            return eb.and([eb('table_name', '=', 'patients'), eb('row_id', 'in', agendaPatients)]);
          case 'patients':
            return eb.and([eb('table_name', '=', 'patients'), eb('row_id', 'not in', agendaPatients)]);
          case 'history':
            // Everything the phases before did not take (also any table added later).
            return eb.or([
              eb('table_name', 'not in', [...SETUP_TABLES, 'patients', 'appointments']),
              eb.and([
                eb('table_name', '=', 'appointments'),
                eb.or([eb('start_at', 'is', null), eb('start_at', '<', from), eb('start_at', '>=', to)]),
              ]),
            ]);
          default:
            // A set-up table.
            return eb('table_name', '=', phase);
        }
      })
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const following = SNAPSHOT_PHASES[SNAPSHOT_PHASES.indexOf(phase) + 1];
    const next =
      rows.length > limit
        ? { phase, after: Number(page.at(-1)!.seq) }
        : following && upTo > 0
          ? { phase: following, after: 0 }
          : null;
    return {
      // Rows in the device's own shape (SnapshotRow): one stamp per row unless its fields differ.
      rows: page.flatMap(
        (r) => snapshotRowOf(r.table_name as SyncTable, r.row_id, JSON.parse(r.fields) as FieldMap) ?? [],
      ),
      next,
      upTo,
      total,
    };
  }

  /** The practice's devices, with the name of the account each syncs as. */
  async devices(profile: Profile) {
    const practiceId = practiceOf(profile);
    const rows = await this.db
      .selectFrom('sync_devices')
      .innerJoin('accounts', 'accounts.id', 'sync_devices.account_id')
      .select([
        'sync_devices.id',
        'sync_devices.name',
        'sync_devices.account_id',
        'sync_devices.last_sync_at',
        'sync_devices.revoked_at',
        'accounts.name as account_name',
      ])
      .where('sync_devices.practice_id', '=', practiceId)
      .orderBy('sync_devices.last_sync_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      accountName: r.account_name,
      own: r.account_id === profile.id,
      lastSyncAt: r.last_sync_at === null ? null : Number(r.last_sync_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    }));
  }

  /** Revokes a device of the practice: its own account may, and the organisation's admin. */
  async revoke(profile: Profile, deviceId: string): Promise<void> {
    const device = await this.db
      .selectFrom('sync_devices')
      .selectAll()
      .where('id', '=', deviceId)
      .where('practice_id', '=', practiceOf(profile))
      .executeTakeFirst();
    if (!device) throw new ApiError(404, 'not_found', 'No such device');
    if (device.account_id !== profile.id && profile.role !== 'org_admin')
      throw new ApiError(403, 'forbidden', "Only the device's own account or an admin may revoke it");
    await this.db
      .updateTable('sync_devices')
      .set({ revoked_at: this.now() })
      .where('id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Every change is checked before anything is written: one bad row refuses the whole batch. */
  private validate(changes: SyncChange[]): void {
    const latest = this.now() + MAX_CLOCK_SKEW_MS;
    changes.forEach((change, index) => {
      for (const [field, { v, s }] of Object.entries(change.fields)) {
        const problem = fieldProblem(change.table, field, v);
        if (problem)
          throw new ApiError(
            400,
            'bad_request',
            `${change.table} ${change.id}: field ${field} is invalid (${problem})`,
            [{ path: `changes.${index}.fields.${field}`, code: problem }],
          );
        // A stamp from a clock far ahead would win every conflict until that time: refused, with the reason.
        if (stampWall(s) > latest)
          throw new ApiError(
            400,
            'clock_skew',
            `${change.table} ${change.id}: the stamp of ${field} is in the future`,
            [{ path: `changes.${index}.fields.${field}`, code: 'clock_skew' }],
          );
      }
    });
  }

  private async device(trx: Transaction<ServerDatabase>, profile: Profile, practiceId: string, input: PushInput) {
    // The device's row is written first, and read after: on PostgreSQL the write waits for another push of
    // the same device still in its transaction (a retry, or the next batch sent before this one's answer),
    // and the read then sees what that one stored — so two pushes of one device never both apply from the
    // same acknowledged number. (SQLite runs one transaction at a time anyway.)
    await trx.updateTable('sync_devices').set({ last_sync_at: this.now() }).where('id', '=', input.deviceId).execute();
    const found = await trx.selectFrom('sync_devices').selectAll().where('id', '=', input.deviceId).executeTakeFirst();
    if (found) {
      // A device id stays bound to the practice and account that first pushed with it.
      if (found.practice_id !== practiceId || found.account_id !== profile.id)
        throw new ApiError(403, 'forbidden', 'This device belongs to another account');
      if (found.revoked_at !== null) throw new ApiError(403, 'device_revoked', 'This device was revoked');
      return found;
    }
    // A new device may start anywhere in its own numbering (one that replaced its local practice with the
    // account's goes on after its emptied outbox): nothing of it was acknowledged before.
    const created = {
      id: input.deviceId,
      practice_id: practiceId,
      account_id: profile.id,
      name: input.deviceName,
      acked_seq: input.fromSeq - 1,
      last_sync_at: null,
      revoked_at: null,
    };
    await trx.insertInto('sync_devices').values(created).execute();
    return created;
  }

  private async cursor(trx: Kysely<ServerDatabase> | Transaction<ServerDatabase>, practiceId: string): Promise<number> {
    const row = await trx
      .selectFrom('sync_counters')
      .select('seq')
      .where('practice_id', '=', practiceId)
      .executeTakeFirst();
    return row?.seq ?? 0;
  }

  /**
   * Merges a batch into the stored rows with a few statements instead of several per row: the batch's rows
   * are read at once, merged in memory (a row changed twice in one batch merges twice), numbered from one
   * reserved block of the practice's counter, and written back in chunks of upserts. Returns how many rows
   * changed. The hooks see each changed row's merged fields, inside this transaction.
   */
  private async applyBatch(
    trx: Transaction<ServerDatabase>,
    practiceId: string,
    changes: SyncChange[],
  ): Promise<number> {
    const current = await this.readRows(trx, practiceId, changes);
    const { dirty } = await this.mergeAndStore(trx, practiceId, current, changes);
    for (const [k, { table, id }] of dirty)
      for (const hook of this.hooks) await hook(trx, practiceId, { table, id, fields: current.get(k)! });
    return dirty.size;
  }

  /**
   * Takes the practice's counter for the rest of the caller's transaction, before the transaction locks
   * anything else: a push takes it first and then the rows it changes, so a writer that locked those rows
   * first and the counter after could wait for a push that waits for it (a deadlock on PostgreSQL).
   */
  async holdCounter(trx: Transaction<ServerDatabase>, practiceId: string): Promise<void> {
    await bumpCounter(trx, practiceId, 0);
  }

  /**
   * The server's own changes of many rows of one table at once (the statuses of a dispatcher's batch), in
   * the caller's transaction: like `writeFields` for each, but read, numbered and written together, so a
   * batch takes the practice's counter once. Returns the last sequence number, or null when nothing changed.
   */
  async writeFieldsMany(
    trx: Transaction<ServerDatabase>,
    practiceId: string,
    table: SyncTable,
    writes: { id: string; values: Record<string, string | number | null> }[],
  ): Promise<number | null> {
    const current = await this.readRows(
      trx,
      practiceId,
      writes.map((w) => ({ table, id: w.id })),
    );
    const now = this.now();
    const changes: SyncChange[] = [];
    for (const w of writes) {
      const fields = current.get(rowKey(table, w.id));
      if (!fields) continue;
      const changed = Object.entries(w.values).filter(([name, v]) => fields[name]?.v !== v);
      if (changed.length === 0) continue;
      const s = stampAfter(fields, now);
      changes.push({ table, id: w.id, fields: Object.fromEntries(changed.map(([name, v]) => [name, { v, s }])) });
    }
    if (changes.length === 0) return null;
    return (await this.mergeAndStore(trx, practiceId, current, changes)).last;
  }

  /** The stored fields of the named rows (those that exist), by `rowKey`. */
  private async readRows(
    trx: Transaction<ServerDatabase>,
    practiceId: string,
    rows: readonly { table: SyncTable; id: string }[],
  ): Promise<Map<string, FieldMap>> {
    const current = new Map<string, FieldMap>();
    const byTable = new Map<SyncTable, Set<string>>();
    for (const c of rows) {
      let ids = byTable.get(c.table);
      if (!ids) byTable.set(c.table, (ids = new Set()));
      ids.add(c.id);
    }
    for (const [table, ids] of byTable) {
      const all = [...ids];
      for (let i = 0; i < all.length; i += 500) {
        const found = await trx
          .selectFrom('sync_rows')
          .select(['row_id', 'fields'])
          .where('practice_id', '=', practiceId)
          .where('table_name', '=', table)
          .where('row_id', 'in', all.slice(i, i + 500))
          .execute();
        for (const r of found) current.set(rowKey(table, r.row_id), JSON.parse(r.fields) as FieldMap);
      }
    }
    return current;
  }

  /**
   * Merges the changes into `current` (updated in place) and writes the rows that changed, numbered from
   * one block of the practice's counter; the changed rows, by `rowKey`, and the last number taken (null
   * when nothing changed).
   */
  private async mergeAndStore(
    trx: Transaction<ServerDatabase>,
    practiceId: string,
    current: Map<string, FieldMap>,
    changes: readonly SyncChange[],
  ): Promise<{ dirty: Map<string, { table: SyncTable; id: string }>; last: number | null }> {
    const dirty = new Map<string, { table: SyncTable; id: string }>();
    for (const c of changes) {
      const k = rowKey(c.table, c.id);
      const { merged, changed } = mergeFields(current.get(k) ?? {}, c.fields);
      if (changed.length === 0) continue;
      current.set(k, merged);
      dirty.set(k, { table: c.table, id: c.id });
    }
    if (dirty.size === 0) return { dirty, last: null };
    const last = await this.reserveSeqs(trx, practiceId, dirty.size);
    let seq = last - dirty.size;
    const values = [...dirty].map(([k, { table, id }]) => {
      const keys = snapshotKeys(table, current.get(k)!);
      return {
        practice_id: practiceId,
        table_name: table,
        row_id: id,
        fields: JSON.stringify(current.get(k)),
        seq: (seq += 1),
        start_at: keys.startAt,
        ref_id: keys.refId,
      };
    });
    for (let i = 0; i < values.length; i += 200)
      await trx
        .insertInto('sync_rows')
        .values(values.slice(i, i + 200))
        .onConflict((oc) =>
          oc.columns(['practice_id', 'table_name', 'row_id']).doUpdateSet((eb) => ({
            fields: eb.ref('excluded.fields'),
            seq: eb.ref('excluded.seq'),
            start_at: eb.ref('excluded.start_at'),
            ref_id: eb.ref('excluded.ref_id'),
          })),
        )
        .execute();
    return { dirty, last };
  }

  /** Takes `n` sequence numbers of the practice at once; the last of them. */
  private reserveSeqs(trx: Transaction<ServerDatabase>, practiceId: string, n: number): Promise<number> {
    return bumpCounter(trx, practiceId, n);
  }

  private stored(
    db: Kysely<ServerDatabase> | Transaction<ServerDatabase>,
    practiceId: string,
    table: SyncTable,
    id: string,
  ) {
    return db
      .selectFrom('sync_rows')
      .select('fields')
      .where('practice_id', '=', practiceId)
      .where('table_name', '=', table)
      .where('row_id', '=', id)
      .executeTakeFirst();
  }
}
