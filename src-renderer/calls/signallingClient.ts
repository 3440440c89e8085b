/**
 * The signalling socket (socket.io) for the app and the guest page. The app authenticates each connection
 * with a single-use ticket from the main process; the guest page with its guest token. socket.io's
 * connection state recovery resumes a dropped socket without a new handshake.
 */
import { io, type Socket } from 'socket.io-client';

export class SignalError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export function connectSignalling(serverUrl: string, auth: () => Promise<Record<string, string>>): Socket {
  return io(serverUrl, {
    transports: ['websocket'],
    auth: (cb) => {
      auth().then(cb, () => cb({}));
    },
  });
}

/** An event with an acknowledgement; an `{error}` answer becomes a SignalError with the server's code. */
export async function request<T = Record<string, unknown>>(socket: Socket, event: string, payload: object): Promise<T> {
  const answer = (await socket.timeout(8000).emitWithAck(event, payload)) as { error?: { code: string } } & T;
  if (answer && typeof answer === 'object' && 'error' in answer && answer.error)
    throw new SignalError(answer.error.code);
  return answer;
}
