/**
 * Runs sync for the app, in the main thread beside the server session (which holds the token and the
 * platform's network stack): it pushes the outbox and pulls the practice's changes by asking the core
 * (in its worker) for each step, so the window's thread never applies rows and the worker never holds a
 * token. It syncs when told (a local change, the server's `sync:changed`, "retry"), on a timer, and after
 * signing in; one run at a time, a request during a run runs once more after it.
 *
 * The first sync of a device decides what happens to data the device had before it was signed in: a fresh
 * device simply takes over the account's practice (or uploads its first set-up to an empty account); a
 * device with its own patients or appointments asks once — upload them to an empty account, or replace
 * them with the account's practice after exporting them — and never merges two practices silently.
 */
import type { SyncStatus } from '../../../src-preload/contract';
import type { Emit } from '../core';
import { AppError } from '../errors';
import type { CallLogSyncEntry, SnapshotPage } from '../../../protocol/sync';
import type { CallLogLocal, CallLogPage } from '../calls/callLogService';
import {
  agendaReady,
  runDownload,
  runPush,
  type DownloadState,
  type PullPage,
  type PushBatch,
  type SyncLocal,
  type SyncTransport,
} from './syncEngine';

/** The core's side, as the main thread reaches it (through the worker: every call is async). */
export interface DriverLocal {
  deviceId(): Promise<string>;
  nextBatch(after?: number): Promise<PushBatch | null>;
  acknowledge(acked: number): Promise<void>;
  cursor(): Promise<number>;
  applyPage(page: PullPage): Promise<string[]>;
  download(now: number): Promise<DownloadState | null>;
  takeSnapshotPage(input: { page: SnapshotPage | Uint8Array; state: DownloadState }): Promise<DownloadState | null>;
  applyTakenPage(): Promise<{ tables: string[]; state: DownloadState | null }>;
  pending(): Promise<number>;
  hasLocalData(): Promise<boolean>;
  heldCount(): Promise<number>;
  firstSyncDone(): Promise<boolean>;
  markFirstSyncDone(): Promise<void>;
  resetForAccount(): Promise<void>;
  exportPractice(): Promise<string>;
  /** The signed-in user's own call log. */
  callLogCursor(): Promise<number>;
  callLogBatch(): Promise<ReturnType<CallLogLocal['callLogBatch']>>;
  callLogAcknowledge(revs: { id: string; rev: number }[]): Promise<void>;
  applyCallLogPage(page: CallLogPage): Promise<ReturnType<CallLogLocal['applyCallLogPage']>>;
}

/** The call log's requests (protocol/sync `callLogPush`, `callLogPull`). */
export interface CallLogTransport {
  push(entries: CallLogSyncEntry[]): Promise<{ stored: number }>;
  pull(
    after: number,
    limit: number,
  ): Promise<{ account: string; entries: CallLogSyncEntry[]; next: number; more: boolean }>;
}

/** The core's side when it runs in this thread (the test bridge, tests): each step as a promise. */
export function inProcessLocal(local: SyncLocal & CallLogLocal & { exportPractice(): string }): DriverLocal {
  return {
    deviceId: async () => local.deviceId(),
    nextBatch: async (after) => local.nextBatch(after),
    acknowledge: async (acked) => local.acknowledge(acked),
    cursor: async () => local.cursor(),
    applyPage: async (page) => local.applyPage(page),
    download: async (now) => local.download(now),
    takeSnapshotPage: async (input) => local.takeSnapshotPage(input),
    applyTakenPage: async () => local.applyTakenPage(),
    pending: async () => local.pending(),
    hasLocalData: async () => local.hasLocalData(),
    heldCount: async () => local.heldCount(),
    firstSyncDone: async () => local.firstSyncDone(),
    markFirstSyncDone: async () => local.markFirstSyncDone(),
    resetForAccount: async () => local.resetForAccount(),
    exportPractice: async () => local.exportPractice(),
    callLogCursor: async () => local.callLogCursor(),
    callLogBatch: async () => local.callLogBatch(),
    callLogAcknowledge: async (revs) => local.callLogAcknowledge(revs),
    applyCallLogPage: async (page) => local.applyCallLogPage(page),
  };
}

/**
 * The core's side in its worker thread: each step a call on the worker's internal channel, which the
 * renderer cannot reach (the app's main process; the sync bench, which runs the same path).
 */
export function workerLocal(
  call: (channel: string, input?: unknown, transfer?: ArrayBuffer[]) => Promise<unknown>,
): DriverLocal {
  // Answers of our own worker, which runs the same SyncLocal as inProcessLocal above.
  const internal = <T>(name: string, input?: unknown, transfer?: ArrayBuffer[]) =>
    call(`internal.sync.${name}`, input, transfer) as Promise<T>;
  return {
    deviceId: () => internal('deviceId'),
    nextBatch: (after) => internal('nextBatch', after),
    acknowledge: (acked) => internal('acknowledge', acked),
    cursor: () => internal('cursor'),
    applyPage: (page) => internal('applyPage', page),
    download: (now) => internal('download', now),
    // A page's bytes move to the worker rather than being copied, when they fill their buffer alone (as
    // `readBody` makes them): the download does not use them again.
    takeSnapshotPage: (input) =>
      internal('takeSnapshotPage', input, ownsBuffer(input.page) ? [input.page.buffer] : undefined),
    applyTakenPage: () => internal('applyTakenPage'),
    pending: () => internal('pending'),
    hasLocalData: () => internal('hasLocalData'),
    heldCount: () => internal('heldCount'),
    firstSyncDone: () => internal('firstSyncDone'),
    markFirstSyncDone: () => internal('markFirstSyncDone'),
    resetForAccount: () => internal('resetForAccount'),
    exportPractice: () => internal('exportPractice'),
    callLogCursor: () => internal('callLogCursor'),
    callLogBatch: () => internal('callLogBatch'),
    callLogAcknowledge: (revs) => internal('callLogAcknowledge', revs),
    applyCallLogPage: (page) => internal('applyCallLogPage', page),
  };
}

const ownsBuffer = (page: unknown): page is Uint8Array & { buffer: ArrayBuffer } =>
  page instanceof Uint8Array &&
  page.buffer instanceof ArrayBuffer &&
  page.byteOffset === 0 &&
  page.byteLength === page.buffer.byteLength;

export interface DriverHost {
  local: DriverLocal;
  remote: SyncTransport;
  /** The signed-in user's call log, shared by that user's devices. */
  callLog?: CallLogTransport;
  signedIn(): boolean;
  emit: Emit;
  now?: () => number;
  /**
   * The device was revoked: the app ends the session here, so the local copy is locked behind sign-in.
   */
  onRevoked?: () => void;
  /** More messages than before are held for want of credits (a notification and the tray say so). */
  onHeld?: (count: number) => void;
  /** How often to pull when nothing tells it to (the server's notice usually comes first). */
  intervalMs?: number;
}

const PAGE = 1000;
/** A first download's pages are larger: fewer round trips for a million rows. */
export const SNAPSHOT_PAGE = 5000;
const CALL_LOG_PAGE = 500;

export class SyncDriver {
  private current: SyncStatus = {
    state: 'off',
    pending: 0,
    lastSyncAt: null,
    offlineSince: null,
    error: null,
    choice: null,
    download: null,
  };
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  /** "Later" at the first sync's question: not asked again until the next start or sign-in. */
  private deferred = false;
  private readonly now: () => number;
  /** Held messages as last counted, so that the user is told when the number grows, not at every sync. */
  private held = 0;

  constructor(private readonly host: DriverHost) {
    this.now = host.now ?? Date.now;
  }

  status(): SyncStatus {
    return this.current;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.kick(), this.host.intervalMs ?? 30_000);
    this.timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Syncs now (or once more right after the run in progress); resolves when that run is over. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.run();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Signed in or out: a new session may sync (and ask its first question again). */
  accountChanged(signedIn: boolean): void {
    this.deferred = false;
    if (!signedIn && this.current.state === 'choice') this.set({ state: 'off', choice: null });
    void this.kick();
  }

  /** The user's answer to the first sync's question. */
  async choose(choice: 'upload' | 'replace' | 'later'): Promise<SyncStatus> {
    await this.running;
    if (this.current.state !== 'choice') return this.current;
    if (choice === 'later') {
      // Asked again at the next start or sign-in; meanwhile the device works on its own.
      this.deferred = true;
      this.set({ state: 'off', choice: null });
      return this.current;
    }
    if (choice === 'replace') {
      await this.host.local.exportPractice();
      await this.host.local.resetForAccount();
    }
    await this.host.local.markFirstSyncDone();
    this.set({ state: 'syncing', choice: null });
    await this.kick();
    return this.current;
  }

  private set(patch: Partial<SyncStatus>): void {
    const next = { ...this.current, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    this.host.emit('sync.status', next);
  }

  private async run(): Promise<void> {
    const { local, remote } = this.host;
    if (!this.host.signedIn()) {
      this.set({ state: 'off', choice: null, error: null, pending: await local.pending() });
      return;
    }
    if (this.deferred || this.current.state === 'revoked' || this.current.state === 'choice') return;
    try {
      if (!(await local.firstSyncDone()) && !(await this.firstSync())) return;
      this.set({ state: 'syncing', pending: await local.pending(), error: null });
      // The core's worker reads each next batch while the server stores the one before.
      await runPush({
        next: (after) => local.nextBatch(after),
        send: (batch) => remote.push(batch),
        acknowledge: (acked) => local.acknowledge(acked),
        sent: async () => this.set({ pending: await local.pending() }),
      });
      const tables = new Set<string>();
      await this.download(tables);
      for (;;) {
        const page = await remote.pull(await local.cursor(), PAGE, await local.deviceId());
        for (const table of await local.applyPage(page)) tables.add(table);
        if (!page.more) break;
      }
      if (await this.syncCallLog()) tables.add('call_log');
      if (tables.size > 0) this.host.emit('data.changed', { tables: [...tables].slice(0, 20) });
      if (tables.has('messages')) {
        const held = await local.heldCount();
        if (held > this.held) this.host.onHeld?.(held);
        this.held = held;
      }
      this.set({ state: 'synced', pending: await local.pending(), lastSyncAt: this.now(), offlineSince: null });
    } catch (error) {
      await this.failed(error);
    }
  }

  /**
   * A new device's first download (or the rest of one that was interrupted: it resumes where it stood),
   * with its progress in the status. The window is told after each phase, so the agenda of the current
   * weeks shows (with its patients' names) while the years of history are still coming.
   */
  private async download(tables: Set<string>): Promise<void> {
    const { local, remote } = this.host;
    const state = await local.download(this.now());
    if (!state) return;
    const started = this.now();
    const receivedBefore = state.received;
    const progress = (current: DownloadState) => {
      const seconds = (this.now() - started) / 1000;
      const rate = seconds > 0 ? (current.received - receivedBefore) / seconds : 0;
      const left = current.total === null ? null : Math.max(0, current.total - current.received);
      return {
        received: current.received,
        total: current.total,
        secondsLeft: left === null || rate <= 0 ? null : Math.ceil(left / rate),
        agendaReady: agendaReady(current),
      };
    };
    this.set({ state: 'syncing', download: progress(state) });
    const deviceId = await local.deviceId();
    // Each page travels as its bytes where the transport can: the core's worker parses and checks it, and
    // this thread (which carries the window's messages) stays free; the next page is asked for meanwhile.
    try {
      await runDownload(state, {
        fetch: (position): Promise<SnapshotPage | Uint8Array> =>
          remote.snapshotRaw
            ? remote.snapshotRaw(position, SNAPSHOT_PAGE, deviceId)
            : remote.snapshot(position, SNAPSHOT_PAGE, deviceId),
        take: (page, at) => local.takeSnapshotPage({ page, state: at }),
        apply: () => local.applyTakenPage(),
        applied: (at, next, applied) => {
          for (const table of applied) tables.add(table);
          if (tables.size > 0 && (next === null || next.position.phase !== at.position.phase)) {
            this.host.emit('data.changed', { tables: [...tables].slice(0, 20) });
            tables.clear();
          }
          if (next) this.set({ download: progress(next) });
        },
      });
    } finally {
      this.set({ download: null });
    }
  }

  /**
   * The signed-in user's call log: first what the user's other devices recorded (the answer names the
   * account, which scopes the log on this device), then what was recorded or seen here. True when entries
   * arrived or changed here.
   */
  private async syncCallLog(): Promise<boolean> {
    const { local } = this.host;
    const remote = this.host.callLog;
    if (!remote) return false;
    let changed = 0;
    for (let stale = 0; stale < 3;) {
      const after = await local.callLogCursor();
      const page = await remote.pull(after, CALL_LOG_PAGE);
      const applied = await local.applyCallLogPage({ ...page, after });
      // Read at another account's position (this device now shows a different user's log): read again.
      if (applied.stale) {
        stale += 1;
        continue;
      }
      changed += applied.changed;
      if (!page.more) break;
    }
    for (let batch = await local.callLogBatch(); batch.entries.length > 0; batch = await local.callLogBatch()) {
      await remote.push(batch.entries);
      await local.callLogAcknowledge(batch.revs);
    }
    return changed > 0;
  }

  /** The first sync's decision; false when the user must answer first (or it could not be decided). */
  private async firstSync(): Promise<boolean> {
    const { local, remote } = this.host;
    const serverHasPractice = (await remote.pull(0, 1, await local.deviceId())).changes.length > 0;
    const ownData = await local.hasLocalData();
    if (!ownData) {
      // A fresh device: the account's practice replaces the first set-up; an empty account gets this one.
      if (serverHasPractice) await local.resetForAccount();
      await local.markFirstSyncDone();
      return true;
    }
    this.set({ state: 'choice', choice: serverHasPractice ? 'replace' : 'upload', pending: await local.pending() });
    return false;
  }

  private async failed(error: unknown): Promise<void> {
    const code = error instanceof AppError ? error.code : 'internal';
    if (code === 'server_unreachable') {
      this.set({ state: 'offline', offlineSince: this.current.offlineSince ?? this.now(), error: null });
    } else if (code === 'signed_out') {
      this.set({ state: 'off', error: null });
    } else if (code === 'device_revoked') {
      this.set({ state: 'revoked', error: code });
      this.host.onRevoked?.();
    } else {
      this.set({ state: 'error', error: code });
    }
    this.set({ pending: await this.host.local.pending().catch(() => this.current.pending) });
  }

  /** The contract's `sync` group. */
  handlers() {
    return {
      status: () => this.current,
      now: async () => {
        await this.kick();
        return this.current;
      },
      choose: ({ choice }: { choice: 'upload' | 'replace' | 'later' }) => this.choose(choice),
    };
  }
}
