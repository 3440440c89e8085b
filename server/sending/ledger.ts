/**
 * Each tenant's credit ledger. Entries are only ever appended; the balance is their sum, kept in
 * `credit_balances` by the same transaction that appends an entry, so that taking credits is one
 * conditional write ("balance ≥ n") which two dispatchers (two processes) cannot both win, and reading a
 * balance is one row whatever the ledger's length. Every entry carries an idempotency key where it can be
 * repeated (a debit per message, a refund per message, an order, a transfer), so a repetition adds nothing.
 * The balance also travels to the practice's devices as the tenant's synced `sms_credits`.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { LedgerEntry } from '../../protocol/credits';
import type { LedgerKind, ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import type { SyncService } from '../sync/syncService';

type Tx = Transaction<ServerDatabase>;

export interface EntryInput {
  practiceId: string;
  tenantId: string;
  kind: LedgerKind;
  /** Positive: credits in (purchase, refund, transfer in, import, a positive adjustment); taken otherwise. */
  amount: number;
  key: string | null;
  messageId?: string | null;
  reference?: string | null;
  note?: string;
  createdBy?: string | null;
}

export class CreditLedger {
  /**
   * Tenants whose balance changed, to be written to their synced rows by `flush` after commit: once per
   * batch rather than once per debit, which would make every debit of a practice wait on the same two rows.
   */
  private readonly dirty = new Map<string, { practiceId: string; tenantId: string }>();

  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly sync: SyncService,
    private readonly now: () => number,
  ) {}

  async balance(practiceId: string, tenantId: string, db: Kysely<ServerDatabase> | Tx = this.db): Promise<number> {
    const row = await db
      .selectFrom('credit_balances')
      .select('balance')
      .where('practice_id', '=', practiceId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return Number(row?.balance ?? 0);
  }

  /** The practice's tenants (from its synced rows, not deleted), each with its balance, by name. */
  async balances(practiceId: string): Promise<{ tenantId: string; name: string; balance: number }[]> {
    const tenants = await this.tenants(practiceId);
    const rows = await this.db
      .selectFrom('credit_balances')
      .select(['tenant_id', 'balance'])
      .where('practice_id', '=', practiceId)
      .execute();
    const byId = new Map(rows.map((r) => [r.tenant_id, Number(r.balance)]));
    return tenants.map((t) => ({ tenantId: t.id, name: t.name, balance: byId.get(t.id) ?? 0 }));
  }

  /** The practice's live tenants, by name then id (the first is the default tenant). */
  async tenants(
    practiceId: string,
    db: Kysely<ServerDatabase> | Tx = this.db,
  ): Promise<{ id: string; name: string }[]> {
    const rows = await db
      .selectFrom('sync_rows')
      .select(['row_id', 'fields'])
      .where('practice_id', '=', practiceId)
      .where('table_name', '=', 'tenants')
      .execute();
    return rows
      .map((r) => {
        const fields = JSON.parse(r.fields) as Record<string, { v: unknown }>;
        return { id: r.row_id, name: String(fields.name?.v ?? ''), deleted: fields.deleted?.v === 1 };
      })
      .filter((t) => !t.deleted)
      .map(({ id, name }) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Refuses a tenant the practice does not have (or has deleted): a clear 404, nothing written. */
  async requireTenant(practiceId: string, tenantId: string, db: Kysely<ServerDatabase> | Tx = this.db): Promise<void> {
    if (!(await this.tenants(practiceId, db)).some((t) => t.id === tenantId))
      throw new ApiError(404, 'tenant_unknown', 'This tenant does not exist in the practice', [
        { path: 'tenantId', code: 'tenant_unknown' },
      ]);
  }

  async hasEntry(key: string, db: Kysely<ServerDatabase> | Tx = this.db): Promise<boolean> {
    const row = await db.selectFrom('credit_ledger').select('id').where('idempotency_key', '=', key).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Appends an entry inside the caller's transaction. Credits in always succeed; credits out succeed only
   * while the balance covers them (false otherwise, nothing written). An entry whose key exists already
   * was made before: nothing is added and the answer is true.
   */
  async append(trx: Tx, entry: EntryInput): Promise<boolean> {
    if (!Number.isSafeInteger(entry.amount) || entry.amount === 0)
      throw new Error('ledger amounts are whole, non-zero');
    if (entry.key && (await this.hasEntry(entry.key, trx))) return true;
    if (entry.amount > 0) {
      await trx
        .insertInto('credit_balances')
        .values({ practice_id: entry.practiceId, tenant_id: entry.tenantId, balance: entry.amount })
        .onConflict((oc) =>
          oc
            .columns(['practice_id', 'tenant_id'])
            .doUpdateSet((eb) => ({ balance: eb('credit_balances.balance', '+', entry.amount) })),
        )
        .execute();
    } else {
      const taken = await trx
        .updateTable('credit_balances')
        .set((eb) => ({ balance: eb('balance', '+', entry.amount) }))
        .where('practice_id', '=', entry.practiceId)
        .where('tenant_id', '=', entry.tenantId)
        .where('balance', '>=', -entry.amount)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) return false;
    }
    await trx
      .insertInto('credit_ledger')
      .values({
        id: randomUUID(),
        practice_id: entry.practiceId,
        tenant_id: entry.tenantId,
        kind: entry.kind,
        amount: entry.amount,
        message_id: entry.messageId ?? null,
        reference: entry.reference ?? null,
        note: entry.note ?? '',
        idempotency_key: entry.key,
        created_by: entry.createdBy ?? null,
        created_at: this.now(),
      })
      .execute();
    this.dirty.set(`${entry.practiceId} ${entry.tenantId}`, { practiceId: entry.practiceId, tenantId: entry.tenantId });
    return true;
  }

  /**
   * Takes many messages' credits from one tenant at once (a dispatcher's batch), inside the caller's
   * transaction: one conditional update of the balance for all that it covers, in the order given, and
   * their entries in one insert. A debit whose key exists already was made before and counts as paid.
   * Returns the keys paid; the rest (from the first the balance no longer covers) are not debited.
   */
  async debitMany(
    trx: Tx,
    practiceId: string,
    tenantId: string,
    debits: readonly { key: string; parts: number; messageId: string; note: string }[],
  ): Promise<Set<string>> {
    for (const d of debits)
      if (!Number.isSafeInteger(d.parts) || d.parts <= 0) throw new Error('ledger amounts are whole, non-zero');
    const paid = new Set<string>();
    for (let i = 0; i < debits.length; i += 500) {
      const keys = debits.slice(i, i + 500).map((d) => d.key);
      const found = await trx
        .selectFrom('credit_ledger')
        .select('idempotency_key')
        .where('idempotency_key', 'in', keys)
        .execute();
      for (const f of found) if (f.idempotency_key) paid.add(f.idempotency_key);
    }
    const fresh = debits.filter((d) => !paid.has(d.key));
    // The balance read here may be taken by another process before the update; the update's condition
    // then fails and the smaller balance is read again (each turn follows someone else's debit).
    for (let turn = 0; fresh.length > 0; turn += 1) {
      if (turn === 100) throw new Error('the balance kept changing');
      const balance = await this.balance(practiceId, tenantId, trx);
      let covered = 0;
      let total = 0;
      while (covered < fresh.length && total + fresh[covered]!.parts <= balance) total += fresh[covered++]!.parts;
      if (covered === 0) break;
      const taken = await trx
        .updateTable('credit_balances')
        .set((eb) => ({ balance: eb('balance', '-', total) }))
        .where('practice_id', '=', practiceId)
        .where('tenant_id', '=', tenantId)
        .where('balance', '>=', total)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) continue;
      const now = this.now();
      const entries = fresh.slice(0, covered).map((d) => ({
        id: randomUUID(),
        practice_id: practiceId,
        tenant_id: tenantId,
        kind: 'debit' as const,
        amount: -d.parts,
        message_id: d.messageId,
        reference: null,
        note: d.note,
        idempotency_key: d.key,
        created_by: null,
        created_at: now,
      }));
      for (let i = 0; i < entries.length; i += 200)
        await trx
          .insertInto('credit_ledger')
          .values(entries.slice(i, i + 200))
          .execute();
      for (const e of entries) paid.add(e.idempotency_key);
      this.dirty.set(`${practiceId} ${tenantId}`, { practiceId, tenantId });
      break;
    }
    return paid;
  }

  /**
   * Writes the changed balances to the tenants' synced rows and tells the practices' devices (call after
   * the transactions that changed them committed). A balance read here is at least as new as the entry.
   */
  async flush(): Promise<void> {
    const tenants = [...this.dirty.values()];
    this.dirty.clear();
    const changed = new Map<string, number>();
    for (const t of tenants) {
      const seq = await this.db.transaction().execute(async (trx) =>
        this.sync.writeFields(trx, t.practiceId, 'tenants', t.tenantId, {
          sms_credits: await this.balance(t.practiceId, t.tenantId, trx),
        }),
      );
      if (seq !== null) changed.set(t.practiceId, seq);
    }
    for (const [practiceId, seq] of changed) this.sync.notify(practiceId, seq);
  }

  async entries(practiceId: string, tenantId: string, limit: number): Promise<LedgerEntry[]> {
    const rows = await this.db
      .selectFrom('credit_ledger')
      .selectAll()
      .where('practice_id', '=', practiceId)
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      kind: r.kind,
      amount: Number(r.amount),
      messageId: r.message_id,
      reference: r.reference,
      note: r.note,
      createdAt: Number(r.created_at),
    }));
  }

  /** The ledger's sum, computed (what the kept balance must equal: checked by the tests). */
  async sum(practiceId: string, tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('credit_ledger')
      .select((eb) => eb.fn.sum<number | string>('amount').as('total'))
      .where('practice_id', '=', practiceId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /**
   * Moves credits between two tenants (of one practice or two), recorded in both ledgers under one
   * transfer id; a transfer larger than the balance is refused and writes nothing.
   */
  async transfer(input: {
    from: { practiceId: string; tenantId: string };
    to: { practiceId: string; tenantId: string };
    amount: number;
    note: string;
    key: string;
    createdBy: string | null;
  }): Promise<{ from: number; to: number }> {
    if (input.from.practiceId === input.to.practiceId && input.from.tenantId === input.to.tenantId)
      throw new ApiError(400, 'bad_request', 'A transfer needs two different tenants', [
        { path: 'to', code: 'same_tenant' },
      ]);
    const result = await this.db.transaction().execute(async (trx) => {
      await this.requireTenant(input.from.practiceId, input.from.tenantId, trx);
      await this.requireTenant(input.to.practiceId, input.to.tenantId, trx);
      const reference = `transfer:${input.key}`;
      const out = await this.append(trx, {
        practiceId: input.from.practiceId,
        tenantId: input.from.tenantId,
        kind: 'transfer_out',
        amount: -input.amount,
        key: `${reference}:out`,
        reference,
        note: input.note,
        createdBy: input.createdBy,
      });
      if (!out)
        throw new ApiError(409, 'credits_insufficient', 'The transfer is larger than the balance', [
          { path: 'amount', code: 'credits_insufficient' },
        ]);
      await this.append(trx, {
        practiceId: input.to.practiceId,
        tenantId: input.to.tenantId,
        kind: 'transfer_in',
        amount: input.amount,
        key: `${reference}:in`,
        reference,
        note: input.note,
        createdBy: input.createdBy,
      });
      return {
        from: await this.balance(input.from.practiceId, input.from.tenantId, trx),
        to: await this.balance(input.to.practiceId, input.to.tenantId, trx),
      };
    });
    await this.flush();
    return result;
  }

  /**
   * Takes over a practice's previous balance: split evenly over its tenants, the remainder to the first
   * (by name). Once per import key.
   */
  async importBalance(
    practiceId: string,
    amount: number,
    key: string,
  ): Promise<{ tenantId: string; name: string; amount: number }[]> {
    const tenants = await this.tenants(practiceId);
    if (tenants.length === 0)
      throw new ApiError(404, 'tenant_unknown', 'This practice has no tenants yet (sync it first)');
    const share = Math.floor(amount / tenants.length);
    const split = tenants.map((t, i) => ({
      tenantId: t.id,
      name: t.name,
      amount: share + (i === 0 ? amount - share * tenants.length : 0),
    }));
    await this.db.transaction().execute(async (trx) => {
      for (const part of split)
        if (part.amount > 0)
          await this.append(trx, {
            practiceId,
            tenantId: part.tenantId,
            kind: 'import',
            amount: part.amount,
            key: `import:${key}:${part.tenantId}`,
            note: `previous balance ${amount}`,
          });
    });
    await this.flush();
    return split;
  }
}
