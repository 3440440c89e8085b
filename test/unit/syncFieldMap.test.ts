/**
 * The sync protocol's field maps are checked by one loop of plain checks (`fieldMapSchema`) instead of a
 * schema object per field, for speed. Here it is compared with the schema objects it replaced — zod's own
 * record, union, regex and strict object, kept below as the reference — on thousands of generated maps,
 * good and hostile: both accept the same maps (the new one also requires field names to be lower-case
 * words, which every synced field is) and the accepted output is the input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  fieldMapSchema,
  fieldsOfRow,
  snapshotRowOf,
  snapshotRowSchema,
  syncChangeSchema,
  SYNC_TABLES,
  type SyncTable,
} from '../../protocol/sync';

const reference = z.record(
  z.string().max(40),
  z
    .object({
      v: z.union([z.string().max(20_000), z.number().int().safe(), z.null()]),
      s: z.string().regex(/^[0-9a-z]{9}:[0-9a-z]{5}:[0-9a-z]{1,32}$/),
    })
    .strict(),
);
const lowerCaseWords = (map: object) => Object.keys(map).every((k) => /^[a-z][a-z0-9_]{0,39}$/.test(k));

const stamp = fc.oneof(
  fc
    .tuple(
      fc.stringMatching(/^[0-9a-z]{9}$/),
      fc.stringMatching(/^[0-9a-z]{5}$/),
      fc.stringMatching(/^[0-9a-z]{1,32}$/),
    )
    .map(([a, b, c]) => `${a}:${b}:${c}`),
  fc.string(),
  fc.constantFrom('0mpux4ow0:00000:', '0mpux4ow0:0000:dev', '0MPUX4OW0:00000:dev', '0mpux4ow0:00000:dev\n'),
  fc.integer(),
);
const value = fc.oneof(
  fc.string(),
  fc.constantFrom('x'.repeat(20_000), 'x'.repeat(20_001), Number.MAX_SAFE_INTEGER, 2 ** 53, -0, 1.5, NaN, Infinity),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const field = fc.oneof(
  { weight: 4, arbitrary: fc.record({ v: value, s: stamp }) },
  fc.record({ v: value, s: stamp, x: fc.integer() }),
  fc.record({ v: value }),
  fc.record({ s: stamp }),
  fc.record({ v: value, s: stamp }, { requiredKeys: [] }),
  fc.constantFrom(null, 1, 'v', [], [1, 2]),
);
const name = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/) },
  fc.string({ maxLength: 45 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'first_name', 'a'.repeat(41), 'A', '1a', ''),
);
const fieldMap = fc.dictionary(name, field, { maxKeys: 6 });

describe('the sync field map check', () => {
  it('accepts exactly what the replaced schema objects accepted, for lower-case field names', () => {
    fc.assert(
      fc.property(fieldMap, (map) => {
        const fast = fieldMapSchema.safeParse(map);
        const ref = reference.safeParse(map);
        expect(fast.success).toBe(ref.success && lowerCaseWords(map));
        if (fast.success) expect(fast.data).toEqual(ref.data);
      }),
      { numRuns: 5000, seed: 20261201 },
    );
  });

  it('refuses what is not a plain object, and names the bad field and key', () => {
    for (const bad of [null, 1, 'x', [], [{ v: 1, s: '0mpux4ow0:00000:dev' }], new Map()])
      expect(fieldMapSchema.safeParse(bad).success).toBe(false);
    const proto = JSON.parse('{"__proto__": {"v": 1, "s": "0mpux4ow0:00000:dev"}}') as unknown;
    expect(fieldMapSchema.safeParse(proto).success).toBe(false);
    const change = syncChangeSchema.safeParse({
      table: 'patients',
      id: '01900000-0000-7000-8000-0000000000ab',
      fields: { first_name: { v: 'Anna', s: '0mpux4ow0:00000:dev' }, last_name: { v: 'Berg', s: 'yesterday' } },
    });
    expect(change.success).toBe(false);
    expect(change.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['fields.last_name.s', 'stamp_invalid'],
    ]);
  });
});

/**
 * A first download's rows (`SnapshotRow`) are checked the same way; the reference is a strict zod object
 * with the same rules: a known table, an id, the row's newest stamp, values, and stamps of named fields no
 * later than the row's.
 */
const STAMP = /^[0-9a-z]{9}:[0-9a-z]{5}:[0-9a-z]{1,32}$/;
const referenceRow = z
  .object({
    table: z.enum(SYNC_TABLES as [SyncTable, ...SyncTable[]]),
    id: z.string().regex(/^[0-9a-f-]{36}$|^[a-z_]{1,40}$/),
    s: z.string().regex(STAMP),
    v: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
        z.union([z.string().max(20_000), z.number().int().safe(), z.null()]),
      )
      .refine((v) => Object.keys(v).length > 0),
    f: z.record(z.string(), z.string().regex(STAMP)).optional(),
  })
  .strict()
  .refine((row) => Object.entries(row.f ?? {}).every(([name, stamp]) => Object.hasOwn(row.v, name) && stamp <= row.s));

const goodStamp = fc
  .tuple(fc.stringMatching(/^[0-9a-z]{9}$/), fc.stringMatching(/^[0-9a-z]{5}$/), fc.stringMatching(/^[0-9a-z]{1,32}$/))
  .map(([a, b, c]) => `${a}:${b}:${c}`);
const goodValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null));
/** Mostly well-formed rows (stamps in `f` before or after the row's), then hostile ones. */
const rowArbitrary = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        table: fc.constantFrom(...SYNC_TABLES),
        id: fc.uuid(),
        s: goodStamp,
        v: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,39}$/), goodValue, { minKeys: 1, maxKeys: 5 }),
        named: fc.array(fc.tuple(fc.nat(), goodStamp), { maxLength: 2 }),
        withF: fc.boolean(),
      })
      .map(({ named, withF, ...row }) => {
        const names = Object.keys(row.v);
        const f = Object.fromEntries(named.map(([i, stamp]) => [names[i % names.length]!, stamp]));
        return withF ? { ...row, f } : row;
      }),
  },
  fc.record(
    {
      table: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...SYNC_TABLES) },
        fc.string(),
        fc.constant('sync_state'),
      ),
      id: fc.oneof(
        { weight: 4, arbitrary: fc.uuid() },
        fc.constantFrom('practice', 'Practice', '', 'x'.repeat(41)),
        fc.string(),
        fc.integer(),
      ),
      s: stamp,
      v: fc.oneof(fc.dictionary(name, value, { maxKeys: 5 }), fc.constantFrom(null, [], 'v')),
      f: fc.oneof(
        fc.dictionary(fc.oneof(name, fc.constantFrom('first_name', 'notes')), stamp, { maxKeys: 2 }),
        fc.constantFrom(null, []),
      ),
      extra: fc.integer(),
    },
    { requiredKeys: ['table', 'id', 's', 'v'] },
  ),
);

describe('the snapshot row check', () => {
  it('accepts exactly what the reference schema accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(rowArbitrary, (row) => {
        const fast = snapshotRowSchema.safeParse(row);
        const ref = referenceRow.safeParse(row);
        expect(fast.success).toBe(ref.success);
        if (fast.success) expect(fast.data).toEqual(ref.data);
        if (fast.success) accepted += 1;
      }),
      { numRuns: 5000, seed: 20261202 },
    );
    // Good rows as well as hostile ones were tried.
    expect(accepted).toBeGreaterThan(250);
  });

  it('keeps every field’s stamp when a field map travels as a row and back', () => {
    const fields = {
      first_name: { v: 'Åsa', s: '0mpux4ow0:00001:dev' },
      last_name: { v: 'Öberg', s: '0mpux4ow0:00000:dev' },
      deleted: { v: 0, s: '0mpux4ow0:00000:dev' },
      birth_date: { v: null, s: '0mpux4ow0:00000:dev' },
    };
    const row = snapshotRowOf('patients', '01900000-0000-7000-8000-0000000000ab', fields)!;
    // Values in column order (`deleted` last), one stamp for the row, the one that differs named.
    expect(Object.keys(row.v)).toEqual(['first_name', 'last_name', 'birth_date', 'deleted']);
    expect(row.s).toBe('0mpux4ow0:00001:dev');
    expect(row.f).toEqual({
      last_name: '0mpux4ow0:00000:dev',
      deleted: '0mpux4ow0:00000:dev',
      birth_date: '0mpux4ow0:00000:dev',
    });
    expect(snapshotRowSchema.safeParse(row).success).toBe(true);
    expect(fieldsOfRow(row)).toEqual(fields);
    const same = snapshotRowOf('patients', 'x'.repeat(36).replace(/x/g, 'a'), {
      notes: { v: '', s: '0mpux4ow0:00000:dev' },
    })!;
    expect(same).not.toHaveProperty('f');
    expect(snapshotRowOf('patients', 'practice', {})).toBeNull();
  });
});
