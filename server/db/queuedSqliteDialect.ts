/**
 * Kysely's SQLite dialect with its one connection handed out in a queue. Kysely serialises queries on a
 * single-connection dialect with a mutex whose waiters all wake at every release and all but one wait
 * again: with n queries waiting, each release costs n promise reactions, so in a burst (a thousand sockets
 * connecting after a restart, each asking a dozen questions) the cost per query grows with the queue
 * (`npm run bench -- serverdb`: 4,000 at once, 296 µs per query against 18 µs here). Here each waiter is
 * woken once, in arrival order: a release hands the connection straight to the next query.
 *
 * Kysely's runtime driver takes the mutex only when the adapter says "one connection"; this adapter says
 * "several" because the driver below queues them itself. Everything else is Kysely's own SQLite driver.
 */
import {
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

/** Hands out one resource at a time, to waiters in arrival order; each waiter is woken exactly once. */
export class HandOffQueue {
  #held = false;
  #waiters: (() => void)[] = [];
  #head = 0;

  /** Resolves when the caller holds the resource. */
  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives the resource to the longest waiter, or frees it. */
  release(): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head]!;
      this.#head += 1;
      // Compacted now and then rather than shifted on every release (shift moves every waiter).
      if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head);
        this.#head = 0;
      }
      next(); // still held: it passes to `next` without a gap another caller could take
      return;
    }
    this.#held = false;
  }

  get waiting(): number {
    return this.#waiters.length - this.#head;
  }
}

class QueuedSqliteDriver extends SqliteDriver implements Driver {
  readonly #queue = new HandOffQueue();

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#queue.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#queue.release();
  }
}

class QueuedSqliteAdapter extends SqliteAdapter {
  // The driver queues its one connection itself (see above); Kysely must not add its mutex.
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

export class QueuedSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new QueuedSqliteDriver(this.#config);
  }

  override createAdapter(): SqliteAdapter {
    return new QueuedSqliteAdapter();
  }
}
