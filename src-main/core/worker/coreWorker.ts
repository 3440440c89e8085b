/**
 * Worker-thread entry (bundled to dist/main/coreWorker.cjs): the whole core, database included, runs here,
 * so a long import or a heavy query never blocks the main process's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { commandEntries } from '../../../src-preload/contract';
import { createCore } from '../core';
import { AppError } from '../errors';
import type { CallMessage, FromWorker, SerializedError, WorkerOptions } from './protocol';

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

const serialize = (error: unknown): SerializedError =>
  error instanceof AppError
    ? { kind: 'app', code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) }
    : {
        kind: 'internal',
        message: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      };

try {
  const core = createCore({
    ...(workerData as WorkerOptions),
    emit: (event, payload) => post({ type: 'event', event, payload }),
    openExternal: (url) => post({ type: 'openExternal', url }),
  });
  const groups = core.handlers as unknown as Record<string, Record<string, (input: unknown) => unknown> | undefined>;
  const handlers = new Map<string, (input: unknown) => unknown>(
    commandEntries.flatMap((entry) => {
      const handler = groups[entry.group]?.[entry.name];
      return handler ? [[entry.channel, handler] as const] : [];
    }),
  );
  // The sync driver's steps, for the main thread only: the renderer's IPC reaches contract channels alone.
  const sync = core.sync as unknown as Record<string, (input: unknown) => unknown>;
  for (const name of Object.keys(core.sync)) handlers.set(`internal.sync.${name}`, (input) => sync[name]!(input));
  const outboxSize = () => (core.db.prepare('SELECT max(seq) AS n FROM outbox').get() as { n: number | null }).n ?? 0;
  port.on('message', async (message: CallMessage | { type: 'close' }) => {
    if (message.type === 'close') {
      core.close();
      port.close();
      return;
    }
    const handler = handlers.get(message.channel);
    try {
      if (!handler) throw new Error(`No handler for ${message.channel}`);
      const before = outboxSize();
      post({ type: 'result', id: message.id, ok: true, value: await handler(message.input) });
      if (outboxSize() > before) post({ type: 'localChange' });
    } catch (error) {
      post({ type: 'result', id: message.id, ok: false, error: serialize(error) });
    }
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', error: serialize(error) });
}
