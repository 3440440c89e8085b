/**
 * The device's small sync bookkeeping (`sync_state`, key → text): the outbox's acknowledged entry, the pull
 * cursor, a first download's position, the call log's owner and cursors, this installation's node id. One
 * set of statements, prepared once; callers write inside their own transactions.
 */
import type { Database, Statement } from 'better-sqlite3';

export class SyncState {
  private readonly read: Statement<[string], { value: string }>;
  private readonly write: Statement<[string, string]>;
  private readonly remove: Statement<[string]>;

  constructor(db: Database) {
    this.read = db.prepare<[string], { value: string }>('SELECT value FROM sync_state WHERE key = ?');
    this.write = db.prepare<[string, string]>(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.remove = db.prepare<[string]>('DELETE FROM sync_state WHERE key = ?');
  }

  get(key: string): string | null {
    return this.read.get(key)?.value ?? null;
  }

  set(key: string, value: string): void {
    this.write.run(key, value);
  }

  delete(key: string): void {
    this.remove.run(key);
  }
}
