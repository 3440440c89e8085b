/**
 * better-sqlite3 for Kysely with its prepared statements kept: Kysely's SQLite driver prepares every query
 * it runs, and a sync push runs the same few shapes (a batch's rows read 500 at a time, upserted 200 at a
 * time: statements of hundreds of parameters) for every batch. SQLite re-prepares a kept statement by
 * itself when the schema changes. A statement still being iterated (a streamed query) is never handed out
 * twice: that one query gets a statement of its own.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** The most statements kept; the least recently used goes first (IN lists of every length are distinct SQL). */
const KEPT = 256;

export function withStatementCache(db: Database, kept = KEPT): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql: string) => {
      const found = statements.get(sql);
      if (found && !found.busy) {
        // Most recently used last: a Map iterates in insertion order.
        statements.delete(sql);
        statements.set(sql, found);
        return found;
      }
      const prepared = db.prepare(sql);
      if (found) return prepared; // the kept one is busy: this query's own
      statements.set(sql, prepared);
      if (statements.size > kept) statements.delete(statements.keys().next().value!);
      return prepared;
    },
  };
}
