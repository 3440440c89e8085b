/**
 * Calling a route from any client (the desktop's main process on Node, the browser pages): the request is
 * checked against the route's schemas before it leaves, and the answer is parsed with the answer schema
 * before anyone uses it. Failures are one error type with the server's code.
 */
import {
  apiErrorSchema,
  buildPath,
  PACKED_ANSWER_TYPE,
  type FieldIssue,
  type RouteAnswer,
  type RouteDef,
  type RouteInput,
} from './route';

export class ProtocolError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached or the request was never sent. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  baseUrl: () => string;
  /** Node's or the browser's fetch by default; Electron's `net.fetch` in the app (system proxy, OS certificates). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  timeoutMs?: number;
}

export type Authorization = { bearer: string } | { guest: string } | undefined;
export type CallInput<R extends RouteDef> = RouteInput<R> & { auth?: Authorization };

export type ApiCall = <R extends RouteDef>(route: R, input: CallInput<R>) => Promise<RouteAnswer<R>>;
/**
 * The same call, answering the answer's body as bytes, unparsed (its status already checked): for a large
 * answer that is parsed where it is used, with `parseAnswer` — a sync page in the core's worker thread
 * rather than on the thread that carries the window's messages, which then holds neither the page's
 * objects nor a string of megabytes (whose collection took tens of milliseconds of that thread per page).
 * Where the route offers it the bytes are packed (`PACKED_ANSWER_TYPE`): the reader unpacks them.
 */
export type ApiRawCall = <R extends RouteDef>(route: R, input: CallInput<R>) => Promise<Uint8Array>;

const parseJson = (text: string, status: number): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    throw new ProtocolError(status, 'bad_answer', 'The server answered something that is not JSON');
  }
};

/** Parses an answer (its text or its bytes) with the route's answer schema, as an `ApiCall` does. */
export function parseAnswer<R extends RouteDef>(route: R, body: string | Uint8Array, status = 200): RouteAnswer<R> {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const answer = route.answer.safeParse(parseJson(text, status));
  if (!answer.success)
    throw new ProtocolError(status, 'bad_answer', `Unexpected answer from ${route.method} ${route.path}`);
  return answer.data as RouteAnswer<R>;
}

export function createApiClient(options: ApiClientOptions): ApiCall {
  const exchange = exchanger(options);
  return async (route, input) => {
    const response = await exchange(route, input);
    return parseAnswer(route, await response.text(), response.status);
  };
}

export function createApiRawClient(options: ApiClientOptions): ApiRawCall {
  // Packed where the route offers it: the caller's reader unpacks (see PACKED_ANSWER_TYPE).
  const exchange = exchanger(options, `${PACKED_ANSWER_TYPE}, application/json;q=0.9`);
  return async (route, input) => readBody(await exchange(route, input));
}

/**
 * An answer's body as bytes in one buffer of its own (nothing else in it, so it can be handed to another
 * thread without a copy), each chunk copied in as it arrives. `Response.arrayBuffer()` keeps every chunk
 * until the end and then copies the page twice (joining the chunks, then into a new buffer): for a sync
 * page of megabytes that was up to a third of the window's thread's longest turn.
 *
 * After each chunk the thread's other work goes first: until the next read the body's stream is full,
 * so the HTTP client stops reading the socket (back-pressure), and one turn of the event loop handles one
 * chunk. Read at once, the megabytes of a page the server sent in one go were parsed, queued and copied
 * in a single turn (libuv reads a socket up to 32 times per turn), holding the thread for tens of
 * milliseconds on a slow machine.
 */
export async function readBody(response: Response): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  // The declared length sizes the buffer when it is there and plausible; a body that turns out longer
  // (or has none declared) grows it, and one that ends shorter is cut to what arrived.
  const declared = Number(response.headers.get('content-length'));
  let bytes = new Uint8Array(
    Number.isSafeInteger(declared) && declared > 0 && declared <= MAX_PRESIZE ? declared : 64 * 1024,
  );
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (length + value.byteLength > bytes.byteLength) {
      const grown = new Uint8Array(Math.max(bytes.byteLength * 2, length + value.byteLength));
      grown.set(bytes.subarray(0, length));
      bytes = grown;
    }
    bytes.set(value, length);
    length += value.byteLength;
    await nextTurn();
  }
  return length === bytes.byteLength ? bytes : bytes.slice(0, length);
}

/** Resolves after the event loop's pending input and timers ran (a macrotask, not a microtask). */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** The largest declared length a buffer is made for before its bytes arrive (a page is a few MB). */
const MAX_PRESIZE = 256 * 1024 * 1024;

/** Sends a checked request; the answer (its body not yet read), or the server's error as a ProtocolError. */
function exchanger(options: ApiClientOptions, accept = 'application/json') {
  const fetchImpl = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const timeoutMs = options.timeoutMs ?? 15_000;
  return async <R extends RouteDef>(route: R, input: CallInput<R>): Promise<Response> => {
    const sent = route.body.safeParse(input.body);
    const query = route.query.safeParse(input.query);
    if (!sent.success || !query.success) {
      const issues = [...(sent.error?.issues ?? []), ...(query.error?.issues ?? [])].map((i) => ({
        path: i.path.join('.'),
        code: /^[a-z][a-z0-9_]*$/.test(i.message) ? i.message : i.code,
      }));
      throw new ProtocolError(0, 'validation', `Not a valid request for ${route.method} ${route.path}`, issues);
    }
    const url = new URL(buildPath(route.path, input.params as Record<string, string> | undefined), options.baseUrl());
    for (const [key, value] of Object.entries((query.data as Record<string, unknown> | undefined) ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const auth = input.auth;
    const headers: Record<string, string> = {
      accept,
      ...(sent.data !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(auth && 'bearer' in auth ? { authorization: `Bearer ${auth.bearer}` } : {}),
      ...(auth && 'guest' in auth ? { authorization: `Guest ${auth.guest}` } : {}),
    };
    let response: Response;
    try {
      response = await fetchImpl(url.toString(), {
        method: route.method,
        headers,
        body: sent.data !== undefined ? JSON.stringify(sent.data) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new ProtocolError(0, 'server_unreachable', `Cannot reach ${url.origin}`);
    }
    if (!response.ok) {
      const error = apiErrorSchema.safeParse(parseJson(await response.text(), response.status));
      if (error.success)
        throw new ProtocolError(
          response.status,
          error.data.error.code,
          error.data.error.message,
          error.data.error.issues,
        );
      throw new ProtocolError(
        response.status,
        response.status >= 500 ? 'internal' : 'bad_request',
        `Server answered ${response.status}`,
      );
    }
    return response;
  };
}
