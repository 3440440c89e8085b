/**
 * The signalling socket (socket.io) for the app and the guest page, typed by the shared protocol: every
 * event from the server is checked against its schema before a handler sees it, and every acknowledgement
 * against the event's answer schema. The app authenticates each connection with a single-use ticket from
 * the main process; the guest page with its guest token. socket.io's connection state recovery resumes a
 * dropped socket without a new handshake.
 */
import { io, type Socket } from 'socket.io-client';
import {
  ackErrorSchema,
  clientEvents,
  serverEvents,
  type ClientAck,
  type ClientEventName,
  type ClientPayload,
  type ServerEventName,
  type ServerPayload,
} from '../../protocol/calls';
import { pageTabId } from './pageTab';

export class SignalError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * `liveCall` names the call whose peer connections this page still holds: on a reconnect (its server
 * process went away, a long network drop) the server then keeps it in the call without asking everyone to
 * connect afresh; a page that reloaded holds none and is brought back with `call:rejoin`.
 */
export function connectSignalling(
  serverUrl: string,
  auth: () => Promise<Record<string, string>>,
  liveCall: () => string | null = () => null,
): Socket {
  return io(serverUrl, {
    transports: ['websocket'],
    auth: (cb) => {
      auth().then(
        (credentials) => {
          const resume = liveCall();
          const tab = pageTabId();
          cb({ ...credentials, ...(resume ? { resume } : {}), ...(tab ? { tab } : {}) });
        },
        () => cb({}),
      );
    },
  });
}

/** What of a socket.io socket the channel uses (a fake in tests provides the same). */
export type SocketLike = Pick<Socket, 'on' | 'off' | 'emit' | 'timeout'>;

export class SignalChannel {
  constructor(readonly socket: SocketLike) {}

  /** Subscribes to a server event; payloads that do not fit the protocol are dropped (and reported). */
  on<E extends ServerEventName>(event: E, handler: (payload: ServerPayload<E>) => void): () => void {
    const schema = serverEvents[event];
    const listener = (payload: unknown) => {
      const parsed = schema.safeParse(payload);
      if (parsed.success) handler(parsed.data as ServerPayload<E>);
      else console.warn(`clinicdesk: dropped a malformed ${event} event`);
    };
    const name: string = event;
    this.socket.on(name, listener);
    return () => void this.socket.off(name, listener);
  }

  /** An event without acknowledgement (the relay of signals). */
  send<E extends ClientEventName>(event: E, payload: ClientPayload<E>): void {
    this.socket.emit(event, payload);
  }

  /** An event with its acknowledgement; an `{error}` answer becomes a SignalError with the server's code. */
  async request<E extends ClientEventName>(
    event: E,
    payload: ClientPayload<E>,
    timeoutMs = 8000,
  ): Promise<ClientAck<E>> {
    const answer: unknown = await this.socket.timeout(timeoutMs).emitWithAck(event, payload);
    const failed = ackErrorSchema.safeParse(answer);
    if (failed.success) throw new SignalError(failed.data.error.code);
    const parsed = clientEvents[event].ack.safeParse(answer);
    if (!parsed.success) throw new SignalError('bad_answer');
    return parsed.data as ClientAck<E>;
  }
}
