/**
 * Sync between a practice's workstations through the server. Every synced row travels as a map of its
 * fields, each with its value and its hybrid-logical-clock stamp; a tombstone is the field `deleted` = 1.
 * One merge rule everywhere (server and every device): per field, the later stamp wins. Edit versus
 * delete: `deleted` is a field like any other, so a delete later than an edit wins and the row is gone; an
 * edit later than the delete changes a field of a deleted row, which stays deleted (only a later
 * `deleted` = 0 would bring it back, and nothing in the app writes that).
 */
import { z } from 'zod';
import { CALL_DIRECTIONS, CALL_KINDS, CALL_STATUSES } from './calls';
import { route } from './route';

/** What a synced table's fields hold; `?` marks a nullable field. */
type FieldType = 'text' | 'text?' | 'int' | 'int?';

/**
 * The version of SYNC_SCHEMA: raised whenever a synced table or field is added, or the sync routes' payloads
 * change. A device sends the version it was built with; the server refuses pushes and pulls of a device
 * older than its own (the device would drop fields it does not know), and the app asks the user to update
 * ClinicDesk while it keeps working locally.
 */
export const SYNC_SCHEMA_VERSION = 4; // 4: a first download's rows travel as `SnapshotRow`s

/** The synced tables and their fields (besides id, hlc, field_hlc), as the desktop's migrations define them. */
export const SYNC_SCHEMA = {
  practice: {
    name: 'text',
    phone: 'text',
    time_zone: 'text',
    country: 'text',
    quiet_start: 'int',
    quiet_end: 'int',
    birthday_minute: 'int',
    birthday_enabled: 'int',
    /** Version 2: opening hours. */
    opening_start: 'int',
    opening_end: 'int',
    opening_days: 'text',
    /** Version 3: the logo patients see on the guest page (a data URL, '' for none). */
    logo: 'text',
  },
  tenants: { name: 'text', sms_credits: 'int' },
  /** Version 2: `active` on practitioners, rooms and appointment types. Version 3: working hours. */
  practitioners: {
    name: 'text',
    colour: 'text',
    tenant_id: 'text',
    active: 'int',
    work_start: 'int?',
    work_end: 'int?',
    work_days: 'text?',
  },
  rooms: { name: 'text', active: 'int' },
  appointment_types: {
    name: 'text',
    colour: 'text',
    duration_min: 'int',
    is_video: 'int',
    reminder_rules: 'text',
    confirm_on_booking: 'int',
    active: 'int',
  },
  patients: {
    first_name: 'text',
    last_name: 'text',
    birth_date: 'text?',
    mobile: 'text?',
    email: 'text?',
    language: 'text',
    channel: 'text',
    opt_out_sms: 'int',
    opt_out_email: 'int',
    notes: 'text',
    /** Version 2: how the patient is addressed. */
    salutation: 'text',
  },
  appointments: {
    patient_id: 'text?',
    practitioner_id: 'text',
    room_id: 'text?',
    type_id: 'text',
    tenant_id: 'text',
    start_at: 'int',
    end_at: 'int',
    status: 'text',
    notes: 'text',
    /** Version 2: why it was cancelled (and the state `in_treatment`). */
    cancel_reason: 'text',
  },
  recalls: { patient_id: 'text', due_date: 'text', reason: 'text', status: 'text' },
  templates: { kind: 'text', channel: 'text', language: 'text', subject: 'text', body: 'text' },
  messages: {
    kind: 'text',
    channel: 'text',
    recipient: 'text',
    subject: 'text',
    body: 'text',
    scheduled_at: 'int',
    segments: 'int',
    credits: 'int',
    status: 'text',
    created_at: 'int',
    queued_at: 'int?',
    sent_at: 'int?',
    delivered_at: 'int?',
    failed_at: 'int?',
    cancelled_at: 'int?',
    error: 'text?',
    patient_id: 'text?',
    appointment_id: 'text?',
    recall_id: 'text?',
    tenant_id: 'text?',
  },
} as const satisfies Record<string, Record<string, FieldType>>;

export type SyncTable = keyof typeof SYNC_SCHEMA;
export const SYNC_TABLES = Object.keys(SYNC_SCHEMA) as SyncTable[];

/** A stamp: wall-clock ms, counter (base 36) and node; string order is causal order. */
const STAMP = /^[0-9a-z]{9}:[0-9a-z]{5}:[0-9a-z]{1,32}$/;
export const stampSchema = z.string().regex(STAMP, { message: 'stamp_invalid' });
export const stampWall = (stamp: string): number => parseInt(stamp.slice(0, 9), 36);

/** A field's name: lower-case words (never `__proto__` or anything an object treats specially). */
const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_TEXT = 20_000;
/** A field's value: text (at most MAX_TEXT characters), a safe integer, or null. */
const isValue = (v: unknown): boolean =>
  v === null || (typeof v === 'string' && v.length <= MAX_TEXT) || (typeof v === 'number' && Number.isSafeInteger(v));

export interface SyncField {
  /** The value: text (at most 20,000 characters), a safe integer, or null. */
  v: string | number | null;
  s: string;
}
export type FieldMap = Record<string, SyncField>;

/**
 * The first problem of one field (`{ v, s }` and nothing else), with its path below the field map, or null.
 * One loop over plain checks instead of a schema object per field: this runs for every field of every
 * pushed, pulled and downloaded row (a first download: over ten million fields), where a schema object per
 * field was a quarter of a push's time. `test/unit/syncFieldMap.test.ts` checks it against the schema
 * objects it replaced.
 */
function fieldIssue(name: string, field: unknown): { path: string[]; message: string } | null {
  if (!FIELD_NAME.test(name)) return { path: [name], message: 'field_invalid' };
  if (typeof field !== 'object' || field === null || Array.isArray(field)) return { path: [name], message: 'type' };
  let keys = 0;
  for (const key in field) {
    if (!Object.hasOwn(field, key)) continue;
    if (key !== 'v' && key !== 's') return { path: [name, key], message: 'unknown_key' };
    keys += 1;
  }
  const { v, s } = field as { v?: unknown; s?: unknown };
  if (keys !== 2) return { path: [name, keys === 0 || v === undefined ? 'v' : 's'], message: 'required' };
  if (!isValue(v)) return { path: [name, 'v'], message: 'type' };
  if (typeof s !== 'string' || !STAMP.test(s)) return { path: [name, 's'], message: 'stamp_invalid' };
  return null;
}

export const fieldMapSchema = z.custom<FieldMap>().superRefine((input, ctx) => {
  const prototype = typeof input === 'object' && input !== null ? (Object.getPrototypeOf(input) as unknown) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    ctx.addIssue({ code: 'custom', message: 'type' });
    return;
  }
  for (const name in input) {
    if (!Object.hasOwn(input, name)) continue;
    const issue = fieldIssue(name, (input as Record<string, unknown>)[name]);
    if (issue) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return;
    }
  }
});

export const syncChangeSchema = z
  .object({
    table: z.enum(SYNC_TABLES as [SyncTable, ...SyncTable[]]),
    id: z.string().regex(/^[0-9a-f-]{36}$|^[a-z_]{1,40}$/, { message: 'id_invalid' }),
    fields: fieldMapSchema,
  })
  .strict();
export type SyncChange = z.infer<typeof syncChangeSchema>;

/**
 * A row of a first download, in the shape a device stores it: `s` the row's newest stamp, `v` its values
 * and `f` the stamps of the fields whose stamp is not `s` (absent when every field has it, as for almost
 * every row of a practice's history). A field map repeats one stamp per field and wraps every value in an
 * object: half a download's bytes, and half of what a device spends parsing and checking a page.
 */
export interface SnapshotRow {
  table: SyncTable;
  id: string;
  s: string;
  v: Record<string, SyncField['v']>;
  f?: Record<string, string>;
}

const ROW_ID = /^[0-9a-f-]{36}$|^[a-z_]{1,40}$/;
const TABLES: ReadonlySet<string> = new Set(SYNC_TABLES);
const isPlainObject = (x: unknown): x is Record<string, unknown> => {
  if (typeof x !== 'object' || x === null) return false;
  const prototype = Object.getPrototypeOf(x) as unknown;
  return prototype === Object.prototype || prototype === null;
};

/** The first problem of a snapshot row, with its path, or null (plain checks, as `fieldIssue`, for speed). */
function snapshotRowIssue(row: unknown): { path: string[]; message: string } | null {
  if (!isPlainObject(row)) return { path: [], message: 'type' };
  for (const key in row)
    if (Object.hasOwn(row, key) && key !== 'table' && key !== 'id' && key !== 's' && key !== 'v' && key !== 'f')
      return { path: [key], message: 'unknown_key' };
  const { table, id, s, v, f } = row;
  if (typeof table !== 'string' || !TABLES.has(table)) return { path: ['table'], message: 'table_invalid' };
  if (typeof id !== 'string' || !ROW_ID.test(id)) return { path: ['id'], message: 'id_invalid' };
  if (typeof s !== 'string' || !STAMP.test(s)) return { path: ['s'], message: 'stamp_invalid' };
  if (!isPlainObject(v)) return { path: ['v'], message: 'type' };
  let fields = 0;
  for (const name in v) {
    if (!Object.hasOwn(v, name)) continue;
    if (!FIELD_NAME.test(name)) return { path: ['v', name], message: 'field_invalid' };
    if (!isValue(v[name])) return { path: ['v', name], message: 'type' };
    fields += 1;
  }
  if (fields === 0) return { path: ['v'], message: 'required' };
  if (f === undefined) return null;
  if (!isPlainObject(f)) return { path: ['f'], message: 'type' };
  for (const name in f) {
    if (!Object.hasOwn(f, name)) continue;
    if (!Object.hasOwn(v, name)) return { path: ['f', name], message: 'field_invalid' };
    const stamp = f[name];
    // `s` is the newest of the row's stamps: a later one here would let the row's stamp understate it.
    if (typeof stamp !== 'string' || !STAMP.test(stamp) || stamp > s)
      return { path: ['f', name], message: 'stamp_invalid' };
  }
  return null;
}

export const snapshotRowSchema = z.custom<SnapshotRow>().superRefine((input, ctx) => {
  const issue = snapshotRowIssue(input);
  if (issue) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
});

/** Each table's fields with `deleted`, in column order: the order of a snapshot row's values. */
const COLUMN_ORDER = new Map<SyncTable, readonly string[]>(
  SYNC_TABLES.map((table) => [table, [...Object.keys(SYNC_SCHEMA[table]), 'deleted']]),
);
export const columnsOf = (table: SyncTable): readonly string[] => COLUMN_ORDER.get(table)!;

/** The newest stamp of a field map ('' for none): stamps order as strings. */
export function newestStamp(fields: FieldMap): string {
  let newest = '';
  for (const name in fields) if (fields[name]!.s > newest) newest = fields[name]!.s;
  return newest;
}

/**
 * A row's field map as a snapshot row: the newest stamp, the values in column order (any other field after
 * them), the stamps that differ. Null for an empty map.
 */
export function snapshotRowOf(table: SyncTable, id: string, fields: FieldMap): SnapshotRow | null {
  const s = newestStamp(fields);
  if (s === '') return null;
  const v: Record<string, SyncField['v']> = {};
  let f: Record<string, string> | undefined;
  const take = (name: string) => {
    const field = fields[name]!;
    v[name] = field.v;
    if (field.s !== s) (f ??= {})[name] = field.s;
  };
  for (const name of columnsOf(table)) if (Object.hasOwn(fields, name)) take(name);
  for (const name in fields) if (!Object.hasOwn(v, name)) take(name);
  return f ? { table, id, s, v, f } : { table, id, s, v };
}

/** A snapshot row as a field map (for merging into a row that exists). */
export function fieldsOfRow(row: Pick<SnapshotRow, 's' | 'v' | 'f'>): FieldMap {
  const fields: FieldMap = {};
  for (const name in row.v) fields[name] = { v: row.v[name]!, s: row.f?.[name] ?? row.s };
  return fields;
}

/** Whether a value fits the field's type; `deleted` (0 or 1) exists in every table. */
export function fieldProblem(table: SyncTable, field: string, value: SyncField['v']): string | null {
  if (field === 'deleted') return value === 0 || value === 1 ? null : 'type';
  const type = (SYNC_SCHEMA[table] as Record<string, FieldType>)[field];
  if (!type) return 'unknown_field';
  if (value === null) return type.endsWith('?') ? null : 'required';
  if (type.startsWith('text')) return typeof value === 'string' ? null : 'type';
  return typeof value === 'number' ? null : 'type';
}

/**
 * The merge rule: each incoming field replaces the current one when its stamp is later. Returns the merged
 * map and the names of the fields that changed.
 */
export function mergeFields(current: FieldMap, incoming: FieldMap): { merged: FieldMap; changed: string[] } {
  const merged: FieldMap = { ...current };
  const changed: string[] = [];
  for (const [name, field] of Object.entries(incoming)) {
    const mine = merged[name];
    if (!mine || field.s > mine.s) {
      merged[name] = field;
      changed.push(name);
    }
  }
  return { merged, changed };
}

export const MAX_PUSH_CHANGES = 1000;
export const deviceIdSchema = z.string().regex(/^[0-9a-z]{1,32}$/, { message: 'device_invalid' });
/** How far ahead of the server's clock a stamp may be before it is refused (it would win every conflict). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A new device's first download, in the order staff need it (issue 16): the practice's set-up, the agenda
 * of the current weeks (`from`..`to`, two weeks back to eight ahead, fixed when the download starts), the
 * patients those appointments name, the other patients, then the history (every other row). Each phase
 * pages by the server's sequence number; all of them read the rows numbered up to `upTo`, the practice's
 * cursor when the download started — whatever changes meanwhile comes with the incremental pull from there.
 */
/** The tables of the set-up, each its own phase (one table's rows are found by one index). */
export const SETUP_TABLES = [
  'practice',
  'tenants',
  'practitioners',
  'rooms',
  'appointment_types',
  'templates',
] as const satisfies readonly SyncTable[];
export const SNAPSHOT_PHASES = [...SETUP_TABLES, 'agenda', 'agendaPatients', 'patients', 'history'] as const;
export type SnapshotPhase = (typeof SNAPSHOT_PHASES)[number];
/** The current weeks of the agenda, downloaded first: two weeks back, eight weeks ahead. */
export const SNAPSHOT_WINDOW = { backMs: 14 * 86_400_000, aheadMs: 56 * 86_400_000 };
/** The phase after the agenda's patients: the agenda is usable from then on. */
export const AGENDA_READY_AFTER: SnapshotPhase = 'agendaPatients';

export const snapshotPositionSchema = z
  .object({
    phase: z.enum(SNAPSHOT_PHASES),
    /** The last sequence number received in this phase. */
    after: z.number().int().min(0),
    /** 0 on the first request: the server fixes it (and answers the total). */
    upTo: z.number().int().min(0),
    from: z.number().int().min(0),
    to: z.number().int().min(0),
  })
  .strict()
  .refine((p) => p.to > p.from && p.to - p.from <= 366 * 86_400_000, { message: 'window_invalid', path: ['to'] });
export type SnapshotPosition = z.infer<typeof snapshotPositionSchema>;

export const snapshotRoute = route('GET', '/api/sync/snapshot', {
  query: z
    .object({
      phase: z.enum(SNAPSHOT_PHASES),
      after: z.coerce.number().int().min(0),
      upTo: z.coerce.number().int().min(0),
      from: z.coerce.number().int().min(0),
      to: z.coerce.number().int().min(0),
      limit: z.coerce.number().int().min(1).max(5000).default(2000),
      device: deviceIdSchema.optional(),
      schema: z.coerce.number().int().min(0).optional(),
    })
    .strict()
    .refine((p) => p.to > p.from && p.to - p.from <= 366 * 86_400_000, { message: 'window_invalid', path: ['to'] }),
  answer: z.object({
    rows: z.array(snapshotRowSchema),
    /** Where to go on (the same phase, or the next from its start); null when the download is complete. */
    next: z.object({ phase: z.enum(SNAPSHOT_PHASES), after: z.number().int().min(0) }).nullable(),
    upTo: z.number().int().min(0),
    /** The rows of the whole download, answered to the first request (upTo 0) only. */
    total: z.number().int().min(0).nullable(),
  }),
});
export type SnapshotPage = z.output<typeof snapshotRoute.answer>;

/**
 * A user's call log, shared by that user's own devices (never by colleagues): each entry is a record that
 * does not change once the call is over, except `seen` (a missed call looked at), which only goes from 0
 * to 1 — so two devices merge by taking the union of entries and the larger `seen`, no stamps needed.
 */
export const callLogEntrySchema = z
  .object({
    id: z.uuid(),
    direction: z.enum(CALL_DIRECTIONS),
    peerName: z.string().max(120),
    kind: z.enum(CALL_KINDS),
    status: z.enum(CALL_STATUSES),
    startedAt: z.number().int().min(0),
    answeredAt: z.number().int().min(0).nullable(),
    endedAt: z.number().int().min(0).nullable(),
    seen: z.union([z.literal(0), z.literal(1)]),
  })
  .strict();
export type CallLogSyncEntry = z.infer<typeof callLogEntrySchema>;
export const MAX_CALL_LOG_PUSH = 500;

export const syncRoutes = {
  /**
   * A device's outbox entries `fromSeq`..`toSeq` (its local sequence numbers) as changes with current
   * values and stamps. Idempotent: entries the server has acknowledged before are skipped.
   */
  push: route('POST', '/api/sync/push', {
    body: z
      .object({
        deviceId: deviceIdSchema,
        deviceName: z.string().max(100).default(''),
        /** The device's SYNC_SCHEMA_VERSION (see there). */
        schema: z.number().int().min(0).optional(),
        fromSeq: z.number().int().min(1),
        toSeq: z.number().int().min(1),
        changes: z.array(syncChangeSchema).max(MAX_PUSH_CHANGES),
      })
      .strict()
      .refine((b) => b.toSeq >= b.fromSeq, { message: 'range_invalid', path: ['toSeq'] }),
    answer: z.object({ acked: z.number().int(), cursor: z.number().int() }),
  }),
  /** The practice's rows changed after `after` (a server cursor), in pages, with the next cursor. */
  pull: route('GET', '/api/sync/pull', {
    query: z
      .object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
        /** The pulling device: a revoked one is refused. */
        device: deviceIdSchema.optional(),
        /** The device's SYNC_SCHEMA_VERSION; an older one is refused with `update_required`. */
        schema: z.coerce.number().int().min(0).optional(),
      })
      .strict(),
    answer: z.object({ changes: z.array(syncChangeSchema), next: z.number().int(), more: z.boolean() }),
  }),
  snapshot: snapshotRoute,
  /** Entries of the caller's own call log (new ones, or newly seen): idempotent, the union is kept. */
  callLogPush: route('POST', '/api/sync/call-log', {
    body: z.object({ entries: z.array(callLogEntrySchema).max(MAX_CALL_LOG_PUSH) }).strict(),
    answer: z.object({ stored: z.number().int().min(0) }),
  }),
  /** The caller's call log changed after a cursor (the caller's own counter), with whose log it is. */
  callLogPull: route('GET', '/api/sync/call-log', {
    query: z
      .object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(1000).default(500),
      })
      .strict(),
    answer: z.object({
      account: z.string(),
      entries: z.array(callLogEntrySchema),
      next: z.number().int(),
      more: z.boolean(),
    }),
  }),
  /** The devices that sync the caller's practice (an admin sees all; a member their own and colleagues'). */
  devices: route('GET', '/api/sync/devices', {
    answer: z.object({
      devices: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          accountName: z.string(),
          own: z.boolean(),
          lastSyncAt: z.number().int().nullable(),
          revokedAt: z.number().int().nullable(),
        }),
      ),
    }),
  }),
  /** Stops a device syncing at once: its own account or the organisation's admin. */
  revokeDevice: route('POST', '/api/sync/devices/:id/revoke', {
    params: z.object({ id: deviceIdSchema }).strict(),
    answer: z.object({ done: z.literal(true) }),
  }),
};

/** A push batch as the device sends it and the server handles it (the route's body, defaults applied). */
export type SyncPushBody = z.output<typeof syncRoutes.push.body>;
