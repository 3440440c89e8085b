/**
 * Attempt throttles kept in the database, so that every server process sees the same counts and two
 * requests racing each other are both counted: each claim is one atomic upsert whose condition decides,
 * claimed before the (slow) check it guards.
 *
 * - `window`: at most `max` claims per fixed window (per address limits).
 * - `backoff`: `free` claims, then each further one only after a delay that doubles up to `maxMs`
 *   (per account: a guessing attack slows to a crawl, a typo costs nothing).
 */
import { sql, type Expression, type Kysely } from 'kysely';
import type { ServerDatabase } from '../db/schema';

export interface Claim {
  ok: boolean;
  /** Seconds until the next claim can succeed (0 when ok). */
  retryAfterS: number;
}

export interface WindowRule {
  max: number;
  windowMs: number;
}

export interface BackoffRule {
  free: number;
  baseMs: number;
  maxMs: number;
  /** Counts start again after this long without a claim. */
  resetAfterMs: number;
}

export class Throttle {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly now: () => number = Date.now,
  ) {}

  /** One claim in a fixed window. */
  async window(key: string, rule: WindowRule): Promise<Claim> {
    const now = this.now();
    const cutoff = now - rule.windowMs;
    const row = await this.db
      .insertInto('throttles')
      .values({ key, count: 1, window_start: now, next_at: 0 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          count: eb
            .case()
            .when('throttles.window_start', '<=', cutoff)
            .then(1)
            .else(eb('throttles.count', '+', 1))
            .end(),
          window_start: eb
            .case()
            .when('throttles.window_start', '<=', cutoff)
            .then(now)
            .else(eb.ref('throttles.window_start'))
            .end(),
        })),
      )
      .returning(['count', 'window_start'])
      .executeTakeFirstOrThrow();
    const count = Number(row.count);
    if (count <= rule.max) return { ok: true, retryAfterS: 0 };
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((Number(row.window_start) + rule.windowMs - now) / 1000)) };
  }

  /**
   * One claim under a growing delay. The row's `window_start` holds the last claim; `next_at` when the next
   * one may come. Refused claims do not count (the delay is already running).
   */
  async backoff(key: string, rule: BackoffRule): Promise<Claim> {
    const now = this.now();
    const stale = now - rule.resetAfterMs;
    const claimed = await this.db
      .insertInto('throttles')
      .values({ key, count: 1, window_start: now, next_at: now + delayAfter(1, rule) })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) => {
            const count = eb
              .case()
              .when('throttles.window_start', '<=', stale)
              .then(1)
              .else(eb('throttles.count', '+', 1))
              .end();
            return { count, window_start: now, next_at: nextAt(now, count, rule) };
          })
          .where((eb) => eb.or([eb('throttles.next_at', '<=', now), eb('throttles.window_start', '<=', stale)])),
      )
      .returning('count')
      .executeTakeFirst();
    if (claimed) return { ok: true, retryAfterS: 0 };
    const row = await this.db.selectFrom('throttles').select('next_at').where('key', '=', key).executeTakeFirst();
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((Number(row?.next_at ?? now) - now) / 1000)) };
  }

  /** Gives a claim back (the attempt succeeded and should not count against the caller). */
  async release(key: string): Promise<void> {
    await this.db
      .updateTable('throttles')
      .set((eb) => ({ count: eb('count', '-', 1) }))
      .where('key', '=', key)
      .where('count', '>', 0)
      .execute();
  }

  /** Forgets a key (a correct password ends the account's delay). */
  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('throttles').where('key', '=', key).execute();
  }

  /** Rows nobody touched for a day go with the housekeeping. */
  async purge(): Promise<number> {
    const result = await this.db
      .deleteFrom('throttles')
      .where('window_start', '<', this.now() - 86_400_000)
      .where('next_at', '<', this.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** The delay that follows the n-th claim: none for the free ones, then base, 2 × base, … up to max. */
export function delayAfter(n: number, rule: BackoffRule): number {
  if (n < rule.free) return 0;
  return Math.min(rule.maxMs, rule.baseMs * 2 ** Math.min(30, n - rule.free));
}

/** `now + delayAfter(count)` as one SQL expression (a CASE over the doubling steps), so the claim stays atomic. */
function nextAt(now: number, count: Expression<number>, rule: BackoffRule): Expression<number> {
  const steps: [number, number][] = [];
  for (let n = rule.free; delayAfter(n, rule) < rule.maxMs; n += 1) steps.push([n, delayAfter(n, rule)]);
  // Typed literals: PostgreSQL cannot infer a CASE whose branches are all parameters.
  const at = (ms: number) => sql`cast(${ms} as bigint)`;
  const cases = steps.map(([n, delay]) => sql`when ${count} <= ${n} then ${at(now + delay)}`);
  return sql<number>`case when ${count} < ${rule.free} then ${at(now)} ${sql.join(cases, sql` `)} else ${at(now + rule.maxMs)} end`;
}
