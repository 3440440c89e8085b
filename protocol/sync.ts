/**
 * Sync between a practice's workstations through the server. Every synced row travels as a map of its
 * fields, each with its value and its hybrid-logical-clock stamp; a tombstone is the field `deleted` = 1.
 * One merge rule everywhere (server and every device): per field, the later stamp wins. Edit versus
 * delete: `deleted` is a field like any other, so a delete later than an edit wins and the row is gone; an
 * edit later than the delete changes a field of a deleted row, which stays deleted (only a later
 * `deleted` = 0 would bring it back, and nothing in the app writes that).
 */
import { z } from 'zod';
import { route } from './route';

/** What a synced table's fields hold; `?` marks a nullable field. */
type FieldType = 'text' | 'text?' | 'int' | 'int?';

/**
 * The version of SYNC_SCHEMA: raised whenever a synced table or field is added. A device sends the version
 * it was built with; the server refuses pushes and pulls of a device older than its own (the device would
 * drop fields it does not know), and the app asks the user to update ClinicDesk while it keeps working
 * locally.
 */
export const SYNC_SCHEMA_VERSION = 3;

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
export const stampSchema = z.string().regex(/^[0-9a-z]{9}:[0-9a-z]{5}:[0-9a-z]{1,32}$/, { message: 'stamp_invalid' });
export const stampWall = (stamp: string): number => parseInt(stamp.slice(0, 9), 36);

const fieldValueSchema = z.union([z.string().max(20_000), z.number().int().safe(), z.null()]);
export const syncFieldSchema = z.object({ v: fieldValueSchema, s: stampSchema }).strict();
export type SyncField = z.infer<typeof syncFieldSchema>;
export type FieldMap = Record<string, SyncField>;

export const syncChangeSchema = z
  .object({
    table: z.enum(SYNC_TABLES as [SyncTable, ...SyncTable[]]),
    id: z.string().regex(/^[0-9a-f-]{36}$|^[a-z_]{1,40}$/, { message: 'id_invalid' }),
    fields: z.record(z.string().max(40), syncFieldSchema),
  })
  .strict();
export type SyncChange = z.infer<typeof syncChangeSchema>;

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
