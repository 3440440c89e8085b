/** Registers one ipcMain handler per contract command; the dispatcher checks sender and input. */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import {
  COMMAND_PREFIX,
  EVENT_PREFIX,
  commandEntries,
  type EventName,
  type EventPayload,
} from '../../src-preload/contract';
import type { Dispatch, Sender } from '../core/ipc/dispatcher';

export const senderOf = (event: IpcMainInvokeEvent): Sender => ({
  url: event.senderFrame?.url ?? '',
  isMainFrame: event.senderFrame !== null && event.senderFrame.parent === null,
});

export function registerIpc(ipcMain: IpcMain, dispatch: Dispatch): void {
  for (const { channel } of commandEntries) {
    ipcMain.handle(COMMAND_PREFIX + channel, (event, input: unknown) => dispatch(channel, input, senderOf(event)));
  }
}

export function sendEvent<E extends EventName>(
  target: WebContents | undefined,
  event: E,
  payload: EventPayload<E>,
): void {
  if (target && !target.isDestroyed()) target.send(EVENT_PREFIX + event, payload);
}
