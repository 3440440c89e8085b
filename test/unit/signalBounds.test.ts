/**
 * The bounds a socket event's payload must keep before its schema looks at it (depth and number of
 * objects), against an independent reference: the depth and object count of the same value measured
 * plainly (the value rebuilt by `JSON.parse`, as a socket's packet is), for generated payloads at and
 * around both limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_NODES, withinBounds } from '../../server/calls/signalling';

const children = (value: object): unknown[] => Object.values(value as Record<string, unknown>);
/** Objects and arrays nested inside one another, the outermost counting 1 (0 for a plain value). */
const depthOf = (value: unknown): number =>
  typeof value === 'object' && value !== null ? 1 + Math.max(0, ...children(value).map(depthOf)) : 0;
const countOf = (value: unknown): number =>
  typeof value === 'object' && value !== null ? 1 + children(value).reduce<number>((n, c) => n + countOf(c), 0) : 0;

const nested = (depth: number): unknown =>
  depth === 0 ? 'x' : depth % 2 ? { a: nested(depth - 1) } : [nested(depth - 1)];

describe('a socket payload’s bounds', () => {
  it('allows exactly the payloads within the depth and the object count', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null), fc.boolean());
    const wide = (width: number) => fc.array(fc.constant({}), { minLength: width, maxLength: width });
    const payload = fc.oneof(
      fc.integer({ min: 0, max: MAX_PAYLOAD_DEPTH + 2 }).map(nested),
      fc.integer({ min: MAX_PAYLOAD_NODES - 3, max: MAX_PAYLOAD_NODES + 1 }).chain(wide),
      fc.letrec((tie) => ({
        node: fc.oneof(
          { depthSize: 'large', withCrossShrink: true },
          leaf,
          fc.array(tie('node'), { maxLength: 4 }),
          fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 4 }),
        ),
      })).node,
    );
    fc.assert(
      fc.property(payload, (generated) => {
        const value: unknown = JSON.parse(JSON.stringify(generated));
        const expected = depthOf(value) <= MAX_PAYLOAD_DEPTH && countOf(value) <= MAX_PAYLOAD_NODES;
        expect(withinBounds(value)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('stops at the limits at once: a very deep or very wide payload is refused', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(withinBounds(deep)).toBe(false);
    expect(withinBounds(Array.from({ length: 1_000_000 }, () => ({})))).toBe(false);
    expect(withinBounds(nested(MAX_PAYLOAD_DEPTH))).toBe(true);
    expect(withinBounds(nested(MAX_PAYLOAD_DEPTH + 1))).toBe(false);
  });
});
