/**
 * Named leases in the database: a job that must run once across several server processes (housekeeping,
 * later the message dispatcher) runs in the process that holds its lease. A lease is taken when it is free
 * or expired and renewed by its holder, each with one conditional write, so two processes racing for it
 * cannot both win (the insert of a new name relies on the primary key; the loser sees a unique violation).
 * A holder that dies simply stops renewing: another process takes over once the lease has expired.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/database';
import type { ServerDatabase } from '../db/schema';

export class Leases {
  /** This process, as a lease holder. */
  readonly holder: string;

  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly now: () => number,
    holder?: string,
  ) {
    this.holder = holder ?? `${process.pid}-${randomUUID()}`;
  }

  /** Takes or renews the lease for `ttlMs`; true when this process holds it now. */
  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const taken = await this.db
      .updateTable('leases')
      .set({ holder: this.holder, expires_at: now + ttlMs })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', this.holder), eb('expires_at', '<=', now)]))
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return true;
    try {
      await this.db
        .insertInto('leases')
        .values({ name, holder: this.holder, expires_at: now + ttlMs })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false; // another process holds it (or took it just now)
      throw error;
    }
  }

  /** Gives the lease up at once (a graceful shutdown), so another process need not wait for it to expire. */
  async release(name: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', this.holder).execute();
  }

  /** Runs `job` only in the process that holds the lease; false when another one does. */
  async runOnce(name: string, ttlMs: number, job: () => Promise<void>): Promise<boolean> {
    if (!(await this.acquire(name, ttlMs))) return false;
    await job();
    return true;
  }
}
