/**
 * The JSON body parser. Before anything is parsed the nesting depth is counted (a cheap scan that skips
 * strings), so a 150,000-deep document is a 400, not a stack overflow deep in a validator or a String()
 * call. An empty body with `content-type: application/json` (what many HTTP clients send on a POST
 * without data) is no body at all. Prototype keys are refused as Fastify's own parser does.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './apiError';

export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of objects and arrays in a JSON text (strings and escapes are skipped: a string's
 * end is found by `indexOf`, which searches natively, and a quote counts as its end unless an odd number
 * of backslashes precedes it).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) return deepest; // an unterminated string: JSON.parse refuses it next
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 92 /* \ */) slashes += 1;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === 125 || c === 93) depth -= 1;
  }
  return deepest;
}

export function registerJsonBody(app: FastifyInstance): void {
  const parseDefault = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepth(text) > MAX_JSON_DEPTH)
      return done(
        new ApiError(400, 'bad_request', `The body is nested deeper than ${MAX_JSON_DEPTH} levels`, [
          { path: 'body', code: 'too_deep' },
        ]),
        undefined,
      );
    parseDefault(request, text, done);
  });
}
