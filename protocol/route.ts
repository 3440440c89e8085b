/**
 * A route of the ClinicDesk server, defined once for both sides: method, path, the schemas of what the
 * client sends (path parameters, query, body) and of what the server answers. The server parses requests
 * with them and answers only through the answer schema (which also drops fields it does not name); the
 * desktop and the browser pages parse every answer with it instead of trusting a cast.
 *
 * This folder imports nothing but zod: the server, the main process, the preload and the renderer may all
 * depend on it.
 */
import { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  A extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Fastify style: `/api/users/:id`. */
  path: string;
  params: P;
  query: Q;
  body: B;
  answer: A;
  /** The success status (200 unless said otherwise; 204 answers have no body). */
  status: number;
}

/**
 * A large answer (a sync snapshot page of megabytes) may come as its JSON compressed with gzip, with this
 * type and no `Content-Encoding`. An HTTP client decodes a content encoding itself, on the thread that
 * receives the answer (the desktop's window thread); with this type the bytes stay packed, a tenth of
 * their size, until the core's worker that parses them. A client asks for it with `Accept`; a server
 * that does not know it (or a route that is never packed) answers plain JSON, which a reader tells apart
 * by its first bytes (gzip's magic number cannot start a JSON text).
 */
export const PACKED_ANSWER_TYPE = 'application/vnd.clinicdesk.answer+gzip';

const nothing = z.undefined();
/** A route that takes no body accepts none (a client may still send an empty JSON one). */
export type NoBody = typeof nothing;

export function route<
  P extends z.ZodType = NoBody,
  Q extends z.ZodType = NoBody,
  B extends z.ZodType = NoBody,
  A extends z.ZodType = NoBody,
>(
  method: Method,
  path: string,
  parts: { params?: P; query?: Q; body?: B; answer?: A; status?: number },
): RouteDef<P, Q, B, A> {
  return {
    method,
    path,
    params: (parts.params ?? nothing) as P,
    query: (parts.query ?? nothing) as Q,
    body: (parts.body ?? nothing) as B,
    answer: (parts.answer ?? nothing) as A,
    status: parts.status ?? (parts.answer ? 200 : 204),
  };
}

/** What a client passes for a route: parameters, query and body as the schemas take them in (optional where they may be absent). */
type Part<K extends string, S extends z.ZodType> =
  undefined extends z.input<S> ? { [P in K]?: z.input<S> } : { [P in K]: z.input<S> };
export type RouteInput<R extends RouteDef> = Part<'params', R['params']> &
  Part<'query', R['query']> &
  Part<'body', R['body']>;

export type RouteAnswer<R extends RouteDef> = z.output<R['answer']>;

/** Fills `:name` placeholders; each value is encoded. */
export function buildPath(path: string, params: Record<string, string | number> | undefined): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}

/** The error body every failed request answers with. */
export const fieldIssueSchema = z.object({ path: z.string(), code: z.string() });
export type FieldIssue = z.infer<typeof fieldIssueSchema>;
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string().max(100),
    message: z.string().max(2000).default(''),
    issues: z.array(fieldIssueSchema).max(100).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
