/**
 * Builds `window.clinic` from the contract over any transport: Electron IPC in the preload, a Playwright
 * binding in the test bridge. The renderer gets the same object either way.
 */
import { commandEntries, events, type BridgeError, type ClinicApi, type EventName, type Result } from './contract';

export interface Transport {
  invoke(channel: string, input: unknown): Promise<unknown>;
  subscribe(event: EventName, deliver: (payload: unknown) => void): () => void;
}

const transportError = (cause: unknown): BridgeError => ({
  code: 'internal',
  message: cause instanceof Error ? cause.message : 'The main process did not answer',
});

export function buildClinicApi(transport: Transport): ClinicApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<Result<unknown>>>> = {};
  for (const entry of commandEntries) {
    const group = (api[entry.group] ??= {});
    group[entry.name] = async (input?: unknown) => {
      try {
        return (await transport.invoke(entry.channel, input)) as Result<unknown>;
      } catch (cause) {
        return { ok: false, error: transportError(cause) };
      }
    };
  }
  const on = (event: EventName, listener: (payload: never) => void): (() => void) => {
    const schema = events[event];
    if (!schema) throw new Error(`Unknown event: ${String(event)}`);
    return transport.subscribe(event, (payload) => {
      // The receiving side validates: a malformed event is dropped, never handed to the UI.
      const parsed = schema.safeParse(payload);
      if (parsed.success) listener(parsed.data as never);
      else console.warn(`clinic: dropped malformed ${event} event`);
    });
  };
  return Object.freeze({ ...api, on }) as unknown as ClinicApi;
}
