/**
 * Call records: metadata only (who took part, kind, start, end, duration, invitations sent), never content.
 * Signalling writes them; the admin statistics and logs read them; they expire after the retention period.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { CallKind, ServerDatabase } from '../db/schema';

export interface CallRecordInput {
  organisationId: string | null;
  kind: CallKind;
  name?: string;
  initiatorId: string;
  participantIds: readonly string[];
  startedAt: number;
  endedAt: number | null;
  invitations?: number;
}

const DAY = 86_400_000;

export class CallRecords {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes a record; inside `trx` when given (signalling ends a call and records it in one transaction). */
  async add(input: CallRecordInput, trx?: Transaction<ServerDatabase>): Promise<string> {
    const id = randomUUID();
    const participants = [...new Set([input.initiatorId, ...input.participantIds])];
    const write = async (trx: Transaction<ServerDatabase>) => {
      await trx
        .insertInto('call_records')
        .values({
          id,
          organisation_id: input.organisationId,
          kind: input.kind,
          name: input.name ?? '',
          initiator_id: input.initiatorId,
          started_at: input.startedAt,
          ended_at: input.endedAt,
          duration_s: input.endedAt === null ? 0 : Math.max(0, Math.round((input.endedAt - input.startedAt) / 1000)),
          invitations: input.invitations ?? 0,
        })
        .execute();
      await trx
        .insertInto('call_participants')
        .values(participants.map((accountId) => ({ call_id: id, account_id: accountId })))
        .execute();
    };
    if (trx) await write(trx);
    else await this.db.transaction().execute(write);
    return id;
  }

  /** Deletes records older than the retention (default three months); returns how many went. */
  async purge(): Promise<number> {
    const result = await this.db
      .deleteFrom('call_records')
      .where('started_at', '<', this.now() - this.retentionDays * DAY)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
