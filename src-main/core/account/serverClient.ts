/**
 * The desktop's calls to the ClinicDesk server, through the shared protocol (protocol/): every request is
 * checked before it leaves and every answer parsed before anyone uses it. Failures become AppErrors with
 * the server's code (when it is one the renderer knows), so the UI shows a translated sentence; a server
 * that cannot be reached is one code.
 */
import {
  createApiClient,
  createApiRawClient,
  ProtocolError,
  type ApiClientOptions,
  type CallInput,
} from '../../../protocol/client';
import type { RouteAnswer, RouteDef } from '../../../protocol/route';
import { ERROR_CODES, type ErrorCode } from '../../../src-preload/contract';
import { AppError } from '../errors';

const KNOWN = new Set<string>(ERROR_CODES);
/** Server codes that mean "the session is gone": the app shows the sign-in screen. */
const SIGNED_OUT = new Set(['unauthorized', 'refresh_invalid', 'refresh_reused', 'challenge_invalid']);

export const toAppError = (error: ProtocolError): AppError => {
  const raw = error.code;
  const code: ErrorCode = SIGNED_OUT.has(raw)
    ? 'signed_out'
    : raw === 'bad_request'
      ? 'validation'
      : KNOWN.has(raw)
        ? (raw as ErrorCode)
        : error.status === 404
          ? 'not_found'
          : 'internal';
  return new AppError(code, error.message, error.issues);
};

export class ServerClient {
  private readonly call: ReturnType<typeof createApiClient>;
  private readonly callRaw: ReturnType<typeof createApiRawClient>;

  constructor(baseUrl: () => string, options: Omit<ApiClientOptions, 'baseUrl'> = {}) {
    this.call = createApiClient({ baseUrl, ...options });
    this.callRaw = createApiRawClient({ baseUrl, ...options });
  }

  async request<R extends RouteDef>(route: R, input: CallInput<R>): Promise<RouteAnswer<R>> {
    try {
      return await this.call(route, input);
    } catch (error) {
      throw error instanceof ProtocolError ? toAppError(error) : error;
    }
  }

  /** The answer's bytes, to be parsed with `parseAnswer` where they are used (see ApiRawCall). */
  async requestRaw<R extends RouteDef>(route: R, input: CallInput<R>): Promise<Uint8Array> {
    try {
      return await this.callRaw(route, input);
    } catch (error) {
      throw error instanceof ProtocolError ? toAppError(error) : error;
    }
  }
}
