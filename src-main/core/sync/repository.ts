/**
 * The one way to write synced data. Each insert, update and tombstone stamps the row and each changed field
 * with the clock, and appends the change to the outbox — inside the caller's transaction, so a change and
 * its outbox entry are written together or not at all.
 */
import type { Statement } from 'better-sqlite3';
import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../db/database';
import type { HybridClock } from './hlc';

export const SYNCED_TABLES = [
  'practice',
  'tenants',
  'practitioners',
  'rooms',
  'appointment_types',
  'patients',
  'appointments',
  'recalls',
  'templates',
  'messages',
] as const;
export type SyncedTable = (typeof SYNCED_TABLES)[number];

type Value = string | number | null;
export type Row = Record<string, Value>;

const SYSTEM_COLUMNS = new Set(['id', 'hlc', 'field_hlc', 'deleted']);

/** Random bytes for UUIDv7 from a pool: one system call per 256 ids instead of one each. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
export function newId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const random = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return uuidv7({ random });
}

/**
 * The stamp of one field: its own when changed since the row was written, else the row's first ("*").
 * A row never updated stores '{}': every field carries the row's stamp.
 */
export const fieldStamps = (fieldHlc: string, rowHlc: string): ((field: string) => string) => {
  const stamps = JSON.parse(fieldHlc) as Record<string, string>;
  return (field) => stamps[field] ?? stamps['*'] ?? rowHlc;
};
export const fieldStamp = (fieldHlc: string, field: string, rowHlc: string): string =>
  fieldStamps(fieldHlc, rowHlc)(field);

export class Repository {
  private readonly columns = new Map<SyncedTable, Set<string>>();
  private readonly statements = new Map<string, Statement>();
  private readonly outboxInsert: Statement;

  constructor(
    readonly db: Db,
    readonly clock: HybridClock,
  ) {
    for (const table of SYNCED_TABLES) {
      const info = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      this.columns.set(table, new Set(info.map((c) => c.name)));
    }
    this.outboxInsert = db.prepare('INSERT INTO outbox (table_name, row_id, op, fields, hlc) VALUES (?, ?, ?, ?, ?)');
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insert(table: SyncedTable, values: Row): string {
    this.assertTransaction();
    const id = typeof values.id === 'string' ? values.id : newId();
    const fields = this.fields(table, values);
    const hlc = this.clock.tick();
    const names = Object.keys(fields);
    const sql = `INSERT INTO ${table} (id, hlc${names.map((n) => `, ${n}`).join('')}) VALUES (?, ?${', ?'.repeat(names.length)})`;
    this.statement(sql).run(id, hlc, ...names.map((n) => fields[n]!));
    this.outboxInsert.run(table, id, 'insert', '["*"]', hlc);
    return id;
  }

  /** Many inserts into one table with the same columns (imports): one statement, same stamps and outbox. */
  insertMany(table: SyncedTable, rows: readonly Row[]): string[] {
    this.assertTransaction();
    if (rows.length === 0) return [];
    const names = Object.keys(this.fields(table, rows[0]!));
    const sql = `INSERT INTO ${table} (id, hlc${names.map((n) => `, ${n}`).join('')}) VALUES (?, ?${', ?'.repeat(names.length)})`;
    const statement = this.statement(sql);
    const before = (this.db.prepare(`SELECT coalesce(max(rowid), 0) AS last FROM ${table}`).get() as { last: number })
      .last;
    const ids: string[] = [];
    const values: Value[] = new Array<Value>(names.length + 2);
    for (const row of rows) {
      const id = newId();
      const hlc = this.clock.tick();
      values[0] = id;
      values[1] = hlc;
      for (let i = 0; i < names.length; i += 1) {
        const value = row[names[i]!];
        if (value === undefined) throw new Error(`${table} import row lacks ${names[i]}`);
        values[i + 2] = value;
      }
      statement.run(values);
      ids.push(id);
    }
    // The batch's outbox entries in one statement: rowids follow insertion order, so seq and stamps do too.
    this.db
      .prepare(
        `INSERT INTO outbox (table_name, row_id, op, fields, hlc)
         SELECT ?, id, 'insert', '["*"]', hlc FROM ${table} WHERE rowid > ? ORDER BY rowid`,
      )
      .run(table, before);
    return ids;
  }

  /** Writes only what differs from the stored row; returns false when nothing changed (and logs nothing). */
  update(table: SyncedTable, id: string, patch: Row): boolean {
    this.assertTransaction();
    const current = this.get(table, id);
    if (!current || current.deleted === 1) throw new Error(`${table} ${id} does not exist`);
    const fields = this.fields(table, patch);
    const changed = Object.fromEntries(Object.entries(fields).filter(([name, value]) => current[name] !== value));
    const names = Object.keys(changed);
    if (names.length === 0) return false;
    const hlc = this.clock.tick();
    // The first update pins the row's original stamp as "*" for the fields it leaves alone.
    const fieldHlc: Record<string, string> = {
      '*': String(current.hlc),
      ...(JSON.parse(String(current.field_hlc)) as Record<string, string>),
    };
    for (const name of names) fieldHlc[name] = hlc;
    const sql = `UPDATE ${table} SET hlc = ?, field_hlc = ?${names.map((n) => `, ${n} = ?`).join('')} WHERE id = ?`;
    this.statement(sql).run(hlc, JSON.stringify(fieldHlc), ...names.map((n) => changed[n]!), id);
    this.outboxInsert.run(table, id, 'update', JSON.stringify(names), hlc);
    return true;
  }

  /** Deletion is a tombstone, so other devices learn of it. */
  remove(table: SyncedTable, id: string): void {
    this.assertTransaction();
    const hlc = this.clock.tick();
    // The tombstone stamps `deleted`; the other fields keep theirs (pinning "*" if this is the first change).
    const result = this.statement(
      `UPDATE ${table} SET deleted = 1, hlc = @hlc,
         field_hlc = json_set(CASE WHEN json_extract(field_hlc, '$."*"') IS NULL THEN json_set(field_hlc, '$."*"', hlc)
                                   ELSE field_hlc END, '$.deleted', @hlc)
       WHERE id = @id AND deleted = 0`,
    ).run({ hlc, id });
    if (result.changes === 0) throw new Error(`${table} ${id} does not exist`);
    this.outboxInsert.run(table, id, 'delete', '[]', hlc);
  }

  get(table: SyncedTable, id: string): Row | undefined {
    return this.statement(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Row | undefined;
  }

  private fields(table: SyncedTable, values: Row): Row {
    const known = this.columns.get(table)!;
    const out: Row = {};
    for (const [name, value] of Object.entries(values)) {
      if (SYSTEM_COLUMNS.has(name)) continue;
      if (!known.has(name)) throw new Error(`${table} has no column ${name}`);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private assertTransaction(): void {
    if (!this.db.inTransaction) throw new Error('Synced writes must run inside repository.transaction()');
  }
}
