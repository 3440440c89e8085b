/**
 * The main thread's side of the core worker: command handlers with the same shape as the in-process core's,
 * each forwarding to the worker. The dispatcher in front of them has already checked sender and input.
 *
 * The worker is supervised. One that stops before it is ready fails the start with a clear error (a start
 * never hangs). One that stops later (a crash in native code, an out-of-memory kill) fails the commands it
 * was working on with `core_restarted` — they may or may not have been written, so the user is asked to
 * check and retry rather than the app retrying a write — and is started again; commands that arrive
 * meanwhile wait for it. After three crashes within a minute it is given up: every command then fails with
 * `core_unavailable` instead of looping. The host is told each time, so the user is.
 */
import { Worker } from 'node:worker_threads';
import { MAIN_THREAD_GROUPS, commandEntries, type CoreHandlers } from '../../../src-preload/contract';
import type { Emit } from '../core';
import { AppError } from '../errors';
import type { CallMessage, FromWorker, SerializedError, WorkerOptions } from './protocol';

export interface WorkerCore {
  handlers: CoreHandlers;
  /**
   * Runs a command in the worker. Buffers in `transfer` move to the worker instead of being copied (a
   * sync page of megabytes); they are empty here afterwards.
   */
  call(channel: string, input: unknown, transfer?: ArrayBuffer[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface WorkerHost {
  emit: Emit;
  openExternal: (url: string) => unknown;
  /** A command changed the practice's data (the outbox grew): sync pushes. */
  onLocalChange?: () => void;
  /** The worker stopped unexpectedly: `restarting` false when it has been given up. */
  onCrash?: (info: { exitCode: number | null; error: Error | null; restarting: boolean }) => void;
}

export interface SupervisionOptions {
  maxCrashes: number;
  windowMs: number;
  now: () => number;
}

const DEFAULT_SUPERVISION: SupervisionOptions = { maxCrashes: 3, windowMs: 60_000, now: Date.now };

const revive = (error: SerializedError): Error => {
  if (error.kind === 'app') return new AppError(error.code, error.message, error.issues);
  const revived = new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
};

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One worker thread: resolves `ready` once the core is open, rejects it if the thread ends first. */
function spawn(
  workerFile: string,
  options: WorkerOptions,
  host: WorkerHost,
  onExit: (running: Running, exitCode: number) => void,
) {
  const worker = new Worker(workerFile, { workerData: options });
  const pending = new Map<number, Pending>();
  let isReady = false;
  let lastError: Error | null = null;
  let settleReady!: { resolve(): void; reject(error: Error): void };
  const ready = new Promise<void>((resolve, reject) => (settleReady = { resolve, reject }));
  const running: Running = {
    worker,
    pending,
    ready,
    isReady: () => isReady,
    lastError: () => lastError,
    exited: false,
  };

  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'ready':
        isReady = true;
        settleReady.resolve();
        break;
      case 'failed':
        settleReady.reject(revive(message.error));
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
      case 'localChange':
        host.onLocalChange?.();
        break;
    }
  });
  worker.on('error', (error) => {
    lastError = error;
  });
  worker.on('exit', (code) => {
    running.exited = true;
    settleReady.reject(
      lastError ?? new AppError('core_unavailable', `The core worker stopped before it was ready (exit code ${code})`),
    );
    onExit(running, code);
  });
  return running;
}

interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
  ready: Promise<void>;
  isReady(): boolean;
  lastError(): Error | null;
  exited: boolean;
}

export async function startCoreWorker(
  workerFile: string,
  options: WorkerOptions,
  host: WorkerHost,
  supervision: Partial<SupervisionOptions> = {},
): Promise<WorkerCore> {
  const policy = { ...DEFAULT_SUPERVISION, ...supervision };
  let current: Running;
  let closing = false;
  let givenUp = false;
  const crashes: number[] = [];
  let nextId = 1;

  const onExit = (stopped: Running, exitCode: number) => {
    const failure = new AppError(
      'core_restarted',
      'The core worker stopped while working on this command; it has been restarted',
    );
    for (const waiting of stopped.pending.values()) waiting.reject(failure);
    stopped.pending.clear();
    if (closing || stopped !== current || !stopped.isReady()) return;
    const now = policy.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! <= now - policy.windowMs) crashes.shift();
    givenUp = crashes.length >= policy.maxCrashes;
    host.onCrash?.({ exitCode, error: stopped.lastError(), restarting: !givenUp });
    if (givenUp) return;
    current = spawn(workerFile, options, host, onExit);
    // A restart that fails is a crash like any other: the next call reports it.
    current.ready.catch(() => undefined);
  };

  current = spawn(workerFile, options, host, onExit);
  await current.ready; // a worker that cannot open the database fails the start with the reason

  const call = async (channel: string, input: unknown, transfer: ArrayBuffer[] = []): Promise<unknown> => {
    if (closing) throw new AppError('core_unavailable', 'The core is closing');
    if (givenUp) throw new AppError('core_unavailable', 'The core worker stopped repeatedly and was not restarted');
    const target = current;
    await target.ready; // after a restart: wait until the new worker has opened the database
    return new Promise((resolve, reject) => {
      const id = nextId++;
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ type: 'call', id, channel, input } satisfies CallMessage, transfer);
    });
  };

  const handlers = {} as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  for (const entry of commandEntries) {
    if ((MAIN_THREAD_GROUPS as readonly string[]).includes(entry.group)) continue;
    (handlers[entry.group] ??= {})[entry.name] = (input) => call(entry.channel, input);
  }

  return {
    handlers: handlers as unknown as CoreHandlers,
    call,
    close: async () => {
      closing = true;
      const { worker } = current;
      if (current.exited) return;
      const exited = new Promise((done) => worker.once('exit', done));
      worker.postMessage({ type: 'close' });
      await exited;
    },
  };
}
