/**
 * The main thread's side of the core worker: command handlers with the same shape as the in-process core's,
 * each forwarding to the worker. The dispatcher in front of them has already checked sender and input.
 */
import { Worker } from 'node:worker_threads';
import { MAIN_THREAD_GROUPS, commandEntries, type CoreHandlers } from '../../../src-preload/contract';
import type { Emit } from '../core';
import { AppError } from '../errors';
import type { CallMessage, FromWorker, SerializedError, WorkerOptions } from './protocol';

export interface WorkerCore {
  handlers: CoreHandlers;
  call(channel: string, input: unknown): Promise<unknown>;
  close(): Promise<void>;
}

const revive = (error: SerializedError): Error => {
  if (error.kind === 'app') return new AppError(error.code, error.message, error.issues);
  const revived = new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
};

export function startCoreWorker(
  workerFile: string,
  options: WorkerOptions,
  host: { emit: Emit; openExternal: (url: string) => unknown },
): Promise<WorkerCore> {
  const worker = new Worker(workerFile, { workerData: options });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;

  const call = (channel: string, input: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'call', id, channel, input } satisfies CallMessage);
    });

  const handlers = {} as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  for (const entry of commandEntries) {
    if ((MAIN_THREAD_GROUPS as readonly string[]).includes(entry.group)) continue;
    (handlers[entry.group] ??= {})[entry.name] = (input) => call(entry.channel, input);
  }

  return new Promise((resolveStart, rejectStart) => {
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          resolveStart({
            handlers: handlers as unknown as CoreHandlers,
            call,
            close: async () => {
              worker.postMessage({ type: 'close' });
              await new Promise((done) => worker.once('exit', done));
            },
          });
          break;
        case 'failed':
          rejectStart(revive(message.error));
          break;
        case 'result': {
          const waiting = pending.get(message.id);
          pending.delete(message.id);
          if (message.ok) waiting?.resolve(message.value);
          else waiting?.reject(revive(message.error));
          break;
        }
        case 'event':
          host.emit(message.event, message.payload as never);
          break;
        case 'openExternal':
          host.openExternal(message.url);
          break;
      }
    });
    worker.on('error', (error) => {
      rejectStart(error);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    });
    worker.on('exit', () => {
      for (const waiting of pending.values()) waiting.reject(new Error('The core worker stopped'));
      pending.clear();
    });
  });
}
