/**
 * The Electron preload (sandboxed; bundled into one file). Exposes only the named functions built from the
 * contract — never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildClinicApi } from './api';
import { COMMAND_PREFIX, EVENT_PREFIX } from './contract';

const api = buildClinicApi({
  invoke: (channel, input) => ipcRenderer.invoke(COMMAND_PREFIX + channel, input),
  subscribe: (event, deliver) => {
    const handler = (_event: IpcRendererEvent, payload: unknown): void => deliver(payload);
    ipcRenderer.on(EVENT_PREFIX + event, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_PREFIX + event, handler);
    };
  },
});

contextBridge.exposeInMainWorld('clinic', api);
