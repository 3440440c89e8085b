/**
 * JSON over HTTP to the ClinicDesk server. Failures become AppErrors with the server's code (when it is one
 * the renderer knows), so the UI shows a translated sentence; a server that cannot be reached is one code.
 */
import { ERROR_CODES, type ErrorCode, type FieldIssue } from '../../../src-preload/contract';
import { AppError } from '../errors';

const KNOWN = new Set<string>(ERROR_CODES);
/** Server codes that mean "the session is gone": the app shows the sign-in screen. */
const SIGNED_OUT = new Set(['unauthorized', 'refresh_invalid', 'refresh_reused', 'challenge_invalid']);

export interface RequestOptions {
  body?: unknown;
  accessToken?: string;
  query?: Record<string, string | number | undefined>;
}

export const toAppError = (status: number, body: unknown): AppError => {
  const error = (body as { error?: { code?: string; message?: string; issues?: FieldIssue[] } } | null)?.error;
  const raw = error?.code ?? (status >= 500 ? 'internal' : 'validation');
  const code: ErrorCode = SIGNED_OUT.has(raw)
    ? 'signed_out'
    : raw === 'bad_request'
      ? 'validation'
      : KNOWN.has(raw)
        ? (raw as ErrorCode)
        : status === 404
          ? 'not_found'
          : 'internal';
  return new AppError(code, error?.message ?? `Server answered ${status}`, error?.issues);
};

export class ServerClient {
  constructor(
    private readonly baseUrl: () => string,
    private readonly timeoutMs = 15_000,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.baseUrl());
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new AppError('server_unreachable', `Cannot reach ${url.origin}`);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      if (response.ok) throw new AppError('internal', 'The server answered something that is not JSON');
    }
    if (!response.ok) throw toAppError(response.status, body);
    return body as T;
  }
}
