/**
 * The server's kept SQLite statements (server/db/statementCache.ts): the same SQL gets the same statement,
 * a statement still being iterated is never handed out twice, the least recently used goes when the cache
 * is full, and a kept statement follows a schema change.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../server/db/statementCache';

describe('the kept statements', () => {
  it('hands out one statement per SQL, another while it is iterated, and drops the least recently used', () => {
    const raw = new Database(':memory:');
    const db = withStatementCache(raw, 2);
    db.prepare('CREATE TABLE t (n INTEGER)').run([]);
    db.prepare('INSERT INTO t VALUES (1), (2), (3)').run([]);
    const select = 'SELECT n FROM t ORDER BY n';
    const first = db.prepare(select);
    expect(db.prepare(select)).toBe(first);
    // A query streamed through the kept statement: a second query of the same SQL gets its own.
    const iterating = first.iterate([]);
    iterating.next();
    const second = db.prepare(select);
    expect(second).not.toBe(first);
    expect(second.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect([...iterating]).toEqual([{ n: 2 }, { n: 3 }]);
    expect(db.prepare(select)).toBe(first);
    // Two kept at most: using `select` again keeps it; the statement used least recently goes.
    const count = db.prepare('SELECT count(*) AS c FROM t');
    db.prepare(select);
    db.prepare('SELECT max(n) AS m FROM t');
    expect(db.prepare(select)).toBe(first);
    expect(db.prepare('SELECT count(*) AS c FROM t')).not.toBe(count);
    db.close();
    expect(raw.open).toBe(false);
  });

  it('keeps answering after the schema changes under a kept statement', () => {
    const db = withStatementCache(new Database(':memory:'));
    db.prepare('CREATE TABLE t (n INTEGER)').run([]);
    db.prepare('INSERT INTO t VALUES (1)').run([]);
    const select = db.prepare('SELECT * FROM t');
    expect(select.all([])).toEqual([{ n: 1 }]);
    db.prepare("ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT 'x'").run([]);
    expect(db.prepare('SELECT * FROM t')).toBe(select);
    expect(select.all([])).toEqual([{ n: 1, note: 'x' }]);
    db.close();
  });
});
