/**
 * Init script of the test bridge (bundled to dist/test-bridge/init.js): builds `window.clinic` with the
 * preload's own builder, over a Playwright binding instead of ipcRenderer.
 */
import { buildClinicApi } from '../../src-preload/api';
import type { EventName } from '../../src-preload/contract';

type Deliver = (payload: unknown) => void;
const scope = globalThis as unknown as {
  __clinicTransport(channel: string, input: unknown): Promise<unknown>;
};

const listeners = new Map<EventName, Set<Deliver>>();

const api = buildClinicApi({
  invoke: (channel, input) => scope.__clinicTransport(channel, input),
  subscribe: (event, deliver) => {
    const set = listeners.get(event) ?? new Set<Deliver>();
    listeners.set(event, set);
    set.add(deliver);
    return () => {
      set.delete(deliver);
    };
  },
});

Object.defineProperty(globalThis, 'clinic', { value: api, enumerable: true });
// The Node side pushes main → renderer events through this.
Object.defineProperty(globalThis, '__clinicDeliver', {
  value: (event: EventName, payload: unknown) => listeners.get(event)?.forEach((deliver) => deliver(payload)),
});
