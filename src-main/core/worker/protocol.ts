/** Messages between the main thread and the core's worker thread. */
import type { EventName, FieldIssue, ErrorCode } from '../../../src-preload/contract';
import type { CoreOptions } from '../core';

export type WorkerOptions = Omit<CoreOptions, 'emit' | 'openExternal' | 'now'>;

export interface CallMessage {
  type: 'call';
  id: number;
  channel: string;
  input: unknown;
}

export type SerializedError =
  | { kind: 'app'; code: ErrorCode; message: string; issues?: FieldIssue[] }
  | { kind: 'internal'; message: string; stack?: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: SerializedError }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'openExternal'; url: string }
  /** A command added to the outbox: the main thread's sync driver pushes. */
  | { type: 'localChange' };
