/**
 * The server's SQLite connection handed out in a queue (server/db/queuedSqliteDialect.ts): waiters get
 * the connection once each, in arrival order, with no gap another caller could take; and through Kysely,
 * a storm of concurrent queries, transactions (also failing ones) and a streamed query all run one at a
 * time on the one connection and each gets its own answer.
 */
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { HandOffQueue, QueuedSqliteDialect } from '../../server/db/queuedSqliteDialect';
import { withStatementCache } from '../../server/db/statementCache';

describe('the hand-off queue', () => {
  it('gives the resource to each waiter once, in arrival order, and frees it after the last', async () => {
    const queue = new HandOffQueue();
    const order: number[] = [];
    let holders = 0;
    let most = 0;
    // More waiters than the compaction threshold, so that the queue compacts while in use.
    const users = Array.from({ length: 3000 }, async (_, i) => {
      await queue.acquire();
      holders += 1;
      most = Math.max(most, holders);
      order.push(i);
      await Promise.resolve(); // hold it across a turn of the microtask queue
      holders -= 1;
      queue.release();
    });
    expect(queue.waiting).toBe(2999);
    await Promise.all(users);
    expect(order).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(most).toBe(1);
    expect(queue.waiting).toBe(0);
    // Free again: the next caller gets it at once, and a caller after it waits.
    await queue.acquire();
    let second = false;
    const next = queue.acquire().then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    queue.release();
    await next;
    expect(second).toBe(true);
  });

  it('does not let a newcomer take the resource between a release and the waiter it was handed to', async () => {
    const queue = new HandOffQueue();
    const got: string[] = [];
    await queue.acquire();
    const waiter = queue.acquire().then(() => got.push('waiter'));
    queue.release(); // handed to `waiter`, which has not run yet
    const newcomer = queue.acquire().then(() => got.push('newcomer'));
    await waiter;
    expect(got).toEqual(['waiter']);
    queue.release();
    await newcomer;
    expect(got).toEqual(['waiter', 'newcomer']);
  });
});

interface Tables {
  t: { id: number; v: string };
}

describe('Kysely over the queued dialect', () => {
  it('runs concurrent queries, transactions and a stream one at a time, each with its own answer', async () => {
    const db = new Kysely<Tables>({
      dialect: new QueuedSqliteDialect({ database: withStatementCache(new Database(':memory:')) }),
    });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`.execute(db);
    await db
      .insertInto('t')
      .values(Array.from({ length: 100 }, (_, i) => ({ id: i, v: `v${i}` })))
      .execute();
    const reads = Array.from({ length: 500 }, (_, i) =>
      db
        .selectFrom('t')
        .select('v')
        .where('id', '=', i % 100)
        .executeTakeFirstOrThrow(),
    );
    // Transactions in the same storm: each sees its own write; the failing ones leave nothing behind.
    const writes = Array.from({ length: 50 }, (_, i) =>
      db
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('t')
            .values({ id: 1000 + i, v: `w${i}` })
            .execute();
          const mine = await trx
            .selectFrom('t')
            .select('v')
            .where('id', '=', 1000 + i)
            .executeTakeFirstOrThrow();
          if (i % 5 === 0) throw new Error('rolled back');
          return mine.v;
        })
        .catch((error: Error) => error.message),
    );
    const streamed: string[] = [];
    const stream = (async () => {
      for await (const row of db.selectFrom('t').select('v').where('id', '<', 10).orderBy('id').stream())
        streamed.push(row.v);
    })();
    const [answers, written] = await Promise.all([Promise.all(reads), Promise.all(writes), stream]);
    expect(answers.map((row) => row.v)).toEqual(Array.from({ length: 500 }, (_, i) => `v${i % 100}`));
    expect(written).toEqual(Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 'rolled back' : `w${i}`)));
    expect(streamed).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    const kept = await db
      .selectFrom('t')
      .select(db.fn.countAll<number>().as('n'))
      .where('id', '>=', 1000)
      .executeTakeFirstOrThrow();
    expect(Number(kept.n)).toBe(40);
    await db.destroy();
  });
});
