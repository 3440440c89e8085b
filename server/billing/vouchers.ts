/**
 * Vouchers: percent or amount off, or free months; valid from/to; a maximum of redemptions; restricted to
 * plans. A checkout reserves a redemption in the payment's own transaction with a conditional write
 * ("redemptions < maximum"), so two checkouts cannot both take the last one; a declined payment gives
 * its reservation back.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Plan, Voucher, VoucherCreate } from '../../protocol/billing';
import { voucherCreateSchema } from '../../protocol/billing';
import type { Selectable } from 'kysely';
import type { ServerDatabase, VouchersTable } from '../db/schema';
import { ApiError } from '../http/apiError';
import { z } from 'zod';
import type { VoucherTerms } from './quote';

const plansSchema = z.array(z.string());

const voucherError = (code: 'voucher_unknown' | 'voucher_expired' | 'voucher_used_up' | 'voucher_wrong_plan') =>
  new ApiError(400, code, 'This voucher cannot be used', [{ path: 'voucher', code }]);

export function toVoucher(row: Selectable<VouchersTable>): Voucher {
  return {
    code: row.code,
    kind: row.kind,
    value: Number(row.value),
    currency: (row.currency as Voucher['currency']) ?? null,
    validFrom: row.valid_from === null ? null : Number(row.valid_from),
    validTo: row.valid_to === null ? null : Number(row.valid_to),
    maxRedemptions: row.max_redemptions,
    redemptions: Number(row.redemptions),
    plans: plansSchema.parse(JSON.parse(row.plans)),
  };
}

export class VoucherService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly now: () => number,
  ) {}

  async create(input: VoucherCreate, createdBy: string | null): Promise<Voucher> {
    const v = voucherCreateSchema.parse(input);
    await this.db
      .insertInto('vouchers')
      .values({
        code: v.code,
        kind: v.kind,
        value: v.value,
        currency: v.currency,
        valid_from: v.validFrom,
        valid_to: v.validTo,
        max_redemptions: v.maxRedemptions,
        plans: JSON.stringify(v.plans),
        created_by: createdBy,
        created_at: this.now(),
      })
      .execute();
    return (await this.find(v.code))!;
  }

  async list(): Promise<Voucher[]> {
    const rows = await this.db.selectFrom('vouchers').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map(toVoucher);
  }

  async find(code: string): Promise<Voucher | null> {
    const row = await this.db.selectFrom('vouchers').selectAll().where('code', '=', code).executeTakeFirst();
    return row ? toVoucher(row) : null;
  }

  /** The voucher's terms for this plan now, or the reason it cannot be used (each its own error). */
  async check(code: string, plan: Plan): Promise<VoucherTerms> {
    const voucher = await this.find(code);
    if (!voucher) throw voucherError('voucher_unknown');
    const now = this.now();
    if ((voucher.validFrom !== null && now < voucher.validFrom) || (voucher.validTo !== null && now >= voucher.validTo))
      throw voucherError('voucher_expired');
    if (voucher.maxRedemptions !== null && voucher.redemptions >= voucher.maxRedemptions)
      throw voucherError('voucher_used_up');
    if (voucher.plans.length > 0 && !voucher.plans.includes(plan.id)) throw voucherError('voucher_wrong_plan');
    // An amount is in one currency; free months fit monthly plans.
    if (voucher.kind === 'amount' && voucher.currency !== plan.currency) throw voucherError('voucher_wrong_plan');
    if (voucher.kind === 'months' && plan.interval !== 'month') throw voucherError('voucher_wrong_plan');
    return { code: voucher.code, kind: voucher.kind, value: voucher.value };
  }

  /** Takes one redemption, unless none is left (then the checkout fails with `voucher_used_up`). */
  async reserve(trx: Transaction<ServerDatabase>, code: string): Promise<void> {
    const result = await trx
      .updateTable('vouchers')
      .set((eb) => ({ redemptions: eb('redemptions', '+', 1) }))
      .where('code', '=', code)
      .where((eb) => eb.or([eb('max_redemptions', 'is', null), eb('redemptions', '<', eb.ref('max_redemptions'))]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw voucherError('voucher_used_up');
  }

  async release(trx: Transaction<ServerDatabase>, code: string): Promise<void> {
    await trx
      .updateTable('vouchers')
      .set((eb) => ({ redemptions: eb('redemptions', '-', 1) }))
      .where('code', '=', code)
      .where('redemptions', '>', 0)
      .execute();
  }
}
