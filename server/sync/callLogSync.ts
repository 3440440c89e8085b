/**
 * Each user's call log across that user's own devices (issue 16). The account comes from the session,
 * never from the request, so nobody reaches another user's log — a colleague's neither. An entry is stored
 * once per account; a repeat changes nothing, except that `seen` may rise from 0 to 1. Every stored change
 * takes the next number of the account's own counter, which devices pull by.
 */
import type { Kysely } from 'kysely';
import { callLogEntrySchema, type CallLogSyncEntry } from '../../protocol/sync';
import type { Profile } from '../accounts/accountService';
import type { ServerDatabase } from '../db/schema';
import { bumpCounter } from './counter';

const counterOf = (accountId: string) => `calllog:${accountId}`;

export class CallLogSync {
  constructor(private readonly db: Kysely<ServerDatabase>) {}

  async push(profile: Profile, entries: CallLogSyncEntry[]): Promise<{ stored: number }> {
    if (entries.length === 0) return { stored: 0 };
    return this.db.transaction().execute(async (trx) => {
      // The counter's row first: two pushes of one account take turns (PostgreSQL's row lock).
      await bumpCounter(trx, counterOf(profile.id), 0);
      const ids = [...new Set(entries.map((e) => e.id))];
      const stored = new Map(
        (
          await trx
            .selectFrom('call_log_entries')
            .select(['entry_id', 'seen'])
            .where('account_id', '=', profile.id)
            .where('entry_id', 'in', ids)
            .execute()
        ).map((r) => [r.entry_id, Number(r.seen)]),
      );
      const changed = new Map<string, CallLogSyncEntry>();
      for (const entry of entries) {
        const before = changed.get(entry.id)?.seen ?? stored.get(entry.id);
        if (before === undefined || entry.seen > before) changed.set(entry.id, entry);
      }
      if (changed.size === 0) return { stored: 0 };
      let seq = (await bumpCounter(trx, counterOf(profile.id), changed.size)) - changed.size;
      for (const entry of changed.values()) {
        seq += 1;
        const { seen, ...rest } = entry;
        if (stored.has(entry.id))
          await trx
            .updateTable('call_log_entries')
            .set({ seen, seq })
            .where('account_id', '=', profile.id)
            .where('entry_id', '=', entry.id)
            .execute();
        else
          await trx
            .insertInto('call_log_entries')
            .values({ account_id: profile.id, entry_id: entry.id, entry: JSON.stringify(rest), seen, seq })
            .execute();
      }
      return { stored: changed.size };
    });
  }

  async pull(profile: Profile, after: number, limit: number) {
    const rows = await this.db
      .selectFrom('call_log_entries')
      .select(['entry', 'seen', 'seq'])
      .where('account_id', '=', profile.id)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    return {
      account: profile.id,
      // What was stored was checked on the way in; read back through the same schema all the same.
      entries: page.map((r) => callLogEntrySchema.parse({ ...(JSON.parse(r.entry) as object), seen: Number(r.seen) })),
      next: page.length > 0 ? Number(page.at(-1)!.seq) : after,
      more: rows.length > limit,
    };
  }
}
