/**
 * `readBody` (protocol/client): an answer's bytes in one buffer of their own, read a chunk per turn of the
 * event loop. The reference for the bytes is the platform's own `Response.arrayBuffer()`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../protocol/client';

const streamOf = (chunks: Uint8Array[], pulled?: () => void) => {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled?.();
      if (i < chunks.length) controller.enqueue(chunks[i++]!.slice());
      else controller.close();
    },
  });
};

const answer = (chunks: Uint8Array[], declared?: number) =>
  new Response(streamOf(chunks), declared === undefined ? {} : { headers: { 'content-length': String(declared) } });

describe('readBody', () => {
  it('answers the same bytes as Response.arrayBuffer(), in a buffer that holds nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 70_000 }), { maxLength: 12 }),
        // The declared length: right, missing, too short or too long (a proxy that got it wrong).
        fc.oneof(fc.constant('right'), fc.constant('none'), fc.integer({ min: -5000, max: 5000 })),
        async (chunks, declaredAs) => {
          const total = chunks.reduce((n, c) => n + c.byteLength, 0);
          const declared = declaredAs === 'none' ? undefined : declaredAs === 'right' ? total : total + declaredAs;
          const bytes = await readBody(answer(chunks, declared));
          const reference = new Uint8Array(await new Response(streamOf(chunks)).arrayBuffer());
          expect(Buffer.from(bytes).equals(Buffer.from(reference))).toBe(true);
          expect(bytes.byteOffset).toBe(0);
          expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads one chunk per turn of the event loop, leaving the rest unread meanwhile', async () => {
    let pulls = 0;
    const chunks = Array.from({ length: 50 }, (_, i) => new Uint8Array(1000).fill(i));
    const reading = readBody(new Response(streamOf(chunks, () => (pulls += 1))));
    // Three turns later only a few chunks have been asked for (read at once, all 50 would have been).
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(pulls).toBeLessThanOrEqual(6);
    const bytes = await reading;
    expect(pulls).toBe(51);
    expect(bytes[49_999]).toBe(49);
  });

  it('answers no bytes for an answer without a body', async () => {
    expect((await readBody(new Response(null))).byteLength).toBe(0);
  });
});
