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
import type { PullPage, PushBatch, SyncLocal, SyncTransport } from './syncEngine';

/** The core's side, as the main thread reaches it (through the worker: every call is async). */
export interface DriverLocal {
  deviceId(): Promise<string>;
  nextBatch(): Promise<PushBatch | null>;
  acknowledge(acked: number): Promise<void>;
  cursor(): Promise<number>;
  applyPage(page: PullPage): Promise<string[]>;
  pending(): Promise<number>;
  hasLocalData(): Promise<boolean>;
  heldCount(): Promise<number>;
  firstSyncDone(): Promise<boolean>;
  markFirstSyncDone(): Promise<void>;
  resetForAccount(): Promise<void>;
  exportPractice(): Promise<string>;
}

/** The core's side when it runs in this thread (the test bridge, tests): each step as a promise. */
export function inProcessLocal(local: SyncLocal & { exportPractice(): string }): DriverLocal {
  return {
    deviceId: async () => local.deviceId(),
    nextBatch: async () => local.nextBatch(),
    acknowledge: async (acked) => local.acknowledge(acked),
    cursor: async () => local.cursor(),
    applyPage: async (page) => local.applyPage(page),
    pending: async () => local.pending(),
    hasLocalData: async () => local.hasLocalData(),
    heldCount: async () => local.heldCount(),
    firstSyncDone: async () => local.firstSyncDone(),
    markFirstSyncDone: async () => local.markFirstSyncDone(),
    resetForAccount: async () => local.resetForAccount(),
    exportPractice: async () => local.exportPractice(),
  };
}

export interface DriverHost {
  local: DriverLocal;
  remote: SyncTransport;
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

export class SyncDriver {
  private current: SyncStatus = {
    state: 'off',
    pending: 0,
    lastSyncAt: null,
    offlineSince: null,
    error: null,
    choice: null,
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
      for (let batch = await local.nextBatch(); batch; batch = await local.nextBatch()) {
        const answer = await remote.push(batch);
        await local.acknowledge(answer.acked);
        this.set({ pending: await local.pending() });
      }
      const tables = new Set<string>();
      for (;;) {
        const page = await remote.pull(await local.cursor(), PAGE, await local.deviceId());
        for (const table of await local.applyPage(page)) tables.add(table);
        if (!page.more) break;
      }
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
