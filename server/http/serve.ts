/**
 * Registers a route of the shared protocol: the request's path parameters, query and body are parsed with
 * the route's schemas (a 400 with field issues otherwise), and the handler's answer goes out through the
 * answer schema, which drops any field the protocol does not name. An answer that does not fit is our bug:
 * logged, and a 500 instead of whatever it was.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { PACKED_ANSWER_TYPE, type RouteDef } from '../../protocol/route';
import { ApiError } from './apiError';

const OWN_KEY = /^[a-z][a-z0-9_]*$/;

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(
    400,
    'bad_request',
    result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    result.error.issues.map((i) => ({ path: i.path.join('.'), code: OWN_KEY.test(i.message) ? i.message : i.code })),
  );
}

/** An empty object (or null) where the route takes nothing, or takes an optional part, counts as nothing. */
const normalise = (schema: z.ZodType, value: unknown): unknown =>
  (value === null || (typeof value === 'object' && Object.keys(value as object).length === 0)) &&
  schema.safeParse(undefined).success
    ? undefined
    : value;

export interface Handled<R extends RouteDef> {
  params: z.output<R['params']>;
  query: z.output<R['query']>;
  body: z.output<R['body']>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** What a handler returns: the answer as the schema takes it in; nothing for routes that answer nothing. */
type Answer<R extends RouteDef> = z.input<R['answer']> extends undefined ? void : z.input<R['answer']>;

export interface ServeOptions {
  /** Per address, in this process (the security-relevant limits are kept in the database). */
  limit?: { max: number; timeWindow: string };
  /** Bytes a body may have, where a route takes more than the default (a sync batch). */
  bodyLimit?: number;
  /**
   * Answers the JSON compressed with gzip as `PACKED_ANSWER_TYPE` when the client asks for it (a sync
   * snapshot page). Level 1, zlib's quickest: a page of 5,000 history rows comes to about a tenth (1.97 →
   * 0.18 MiB, the sync bench), compressed on libuv's pool, off the event loop.
   */
  packed?: boolean;
}

const gzipAsync = promisify(gzip);
const asksPacked = (request: FastifyRequest): boolean =>
  (request.headers.accept ?? '').split(',').some((part) => part.split(';')[0]?.trim() === PACKED_ANSWER_TYPE);

export function serve<R extends RouteDef>(
  app: FastifyInstance,
  route: R,
  handler: (request: Handled<R>) => Promise<Answer<R>> | Answer<R>,
  options: ServeOptions = {},
): void {
  app.route({
    method: route.method,
    url: route.path,
    ...(options.limit ? { config: { rateLimit: options.limit } } : {}),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    handler: async (request, reply) => {
      // Typed by the route's own schemas, which just checked them.
      const params = parse(route.params, normalise(route.params, request.params)) as z.output<R['params']>;
      const query = parse(route.query, normalise(route.query, request.query)) as z.output<R['query']>;
      const body = parse(route.body, normalise(route.body, request.body)) as z.output<R['body']>;
      const answer = await handler({ params, query, body, request, reply });
      if (reply.sent) return reply;
      if (route.status === 204) return reply.code(204).send();
      const checked = route.answer.safeParse(answer);
      if (!checked.success) {
        request.log.error(
          { route: `${route.method} ${route.path}`, issues: checked.error.issues },
          'answer off protocol',
        );
        throw new Error(`answer of ${route.method} ${route.path} does not fit the protocol`);
      }
      if (options.packed) {
        // The same answer differs by `Accept`: a cache between must not hand one form to the other.
        reply.header('vary', 'accept');
        if (asksPacked(request)) {
          const packed = await gzipAsync(JSON.stringify(checked.data), { level: 1 });
          return reply.code(route.status).header('content-type', PACKED_ANSWER_TYPE).send(packed);
        }
      }
      return reply.code(route.status).send(checked.data);
    },
  });
}
