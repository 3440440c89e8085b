/**
 * The server's depth count of a JSON body (before parsing, so that a very deep document is refused instead
 * of overflowing a stack) against an independent reference: the depth of the value `JSON.parse` makes of
 * the same text, for generated documents full of strings with brackets, quotes and backslashes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepth } from '../../server/http/jsonBody';

const depthOf = (value: unknown): number =>
  typeof value === 'object' && value !== null
    ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
    : 0;

const tricky = fc.constantFrom('"', '\\', '\\"', '[', ']', '{', '}', '\\\\', '\\\\"', '"]}', 'x');
const text = fc.array(tricky, { maxLength: 8 }).map((parts) => parts.join(''));
const document = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(text, tie('node'), { maxKeys: 3 }),
  ),
})).node;

describe('the JSON depth count', () => {
  it('counts the nesting that JSON.parse finds, whatever the strings hold', () => {
    fc.assert(
      fc.property(fc.oneof(document, fc.jsonValue()), (value) => {
        const json = JSON.stringify(value);
        expect(jsonDepth(json)).toBe(depthOf(JSON.parse(json)));
      }),
      { numRuns: 3000, seed: 20261201 },
    );
  });

  it('counts a deep document without recursion', () => {
    expect(jsonDepth('['.repeat(150_000) + ']'.repeat(150_000))).toBe(150_000);
    expect(jsonDepth('{"a":"\\\\"}')).toBe(1);
    expect(jsonDepth('{"a":"\\"[[[["}')).toBe(1);
  });
});
