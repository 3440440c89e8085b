/**
 * `unpackAnswer` (core/sync/packedAnswer): a packed answer (gzip) as its JSON text, a plain one as it is.
 * The reference packer is GNU gzip (its own deflate, not the zlib the server uses), run as a process.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/client';
import { unpackAnswer } from '../../src-main/core/sync/packedAnswer';

const gnuGzip = (bytes: Uint8Array, level: number): Uint8Array =>
  new Uint8Array(execFileSync('gzip', [`-${level}`, '-c', '-n'], { input: bytes }));

describe('unpackAnswer', () => {
  it('gives back the bytes GNU gzip packed, at any level', () => {
    fc.assert(
      fc.property(
        // JSON-like text (what the server packs) and arbitrary bytes, empty included.
        fc.oneof(
          fc.json().map((text) => new TextEncoder().encode(text)),
          fc.uint8Array({ maxLength: 100_000 }),
        ),
        fc.integer({ min: 1, max: 9 }),
        (original, level) => {
          expect(Buffer.from(unpackAnswer(gnuGzip(original, level))).equals(Buffer.from(original))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('leaves a plain JSON answer as it is (no JSON text starts with gzip’s magic number)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const bytes = new TextEncoder().encode(text);
        expect(unpackAnswer(bytes)).toBe(bytes);
      }),
    );
    const empty = new Uint8Array(0);
    expect(unpackAnswer(empty)).toBe(empty);
  });

  it('refuses a packed answer that is cut short, spoilt, or unpacks to more than a page can be', () => {
    const packed = gnuGzip(new TextEncoder().encode(JSON.stringify({ rows: Array(2000).fill('x') })), 6);
    const refused = (bytes: Uint8Array, max?: number) => {
      try {
        unpackAnswer(bytes, max);
      } catch (error) {
        return error instanceof ProtocolError ? error.code : 'other error';
      }
      return 'unpacked';
    };
    expect(refused(packed.subarray(0, packed.length - 9))).toBe('bad_answer');
    const spoilt = packed.slice();
    spoilt[spoilt.length - 5]! ^= 0xff; // the trailer's checksum no longer fits
    expect(refused(spoilt)).toBe('bad_answer');
    // A small packed answer that would unpack to megabytes past the limit (a "zip bomb").
    const bomb = gnuGzip(new Uint8Array(4 * 1024 * 1024), 9);
    expect(bomb.length).toBeLessThan(10_000);
    expect(refused(bomb, 1024 * 1024)).toBe('bad_answer');
    expect(refused(bomb)).toBe('unpacked');
  });
});
