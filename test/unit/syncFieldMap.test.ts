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
import { fieldMapSchema, syncChangeSchema } from '../../protocol/sync';

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
