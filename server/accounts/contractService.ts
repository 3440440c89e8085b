/**
 * Contract end and account deletion. An individual account may end its contract after the plan's minimum
 * term and with its notice period; an earlier date is refused with the earliest possible one. When the end
 * date has come, the account's personal data is deleted; billing keeps the id, plan and dates.
 */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import type { AccountService } from './accountService';
import { addMonths } from '../billing/plans';

export interface PlanTerms {
  minimumTermMonths: number;
  noticeDays: number;
}

export interface ContractView {
  plan: string;
  startedAt: number;
  minimumTermEndsAt: number;
  noticeDays: number;
  /** The earliest date a cancellation made now can take effect. */
  earliestEndAt: number;
  /** The scheduled end, once cancelled. */
  endsAt: number | null;
  /** Members of an organisation are under its contract and cannot end one of their own. */
  managedByOrganisation: boolean;
}

const DAY = 86_400_000;

export class ContractService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly accounts: AccountService,
    private readonly plans: Record<string, PlanTerms>,
    private readonly now: () => number = Date.now,
  ) {}

  private terms(plan: string): PlanTerms {
    return this.plans[plan] ?? { minimumTermMonths: 0, noticeDays: 0 };
  }

  async contract(accountId: string): Promise<ContractView> {
    const row = await this.db
      .selectFrom('accounts')
      .select(['plan', 'activated_at', 'created_at', 'contract_ends_at', 'organisation_id', 'role'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    const terms = this.terms(row.plan);
    const startedAt = row.activated_at ?? row.created_at;
    const minimumTermEndsAt = addMonths(startedAt, terms.minimumTermMonths);
    return {
      plan: row.plan,
      startedAt,
      minimumTermEndsAt,
      noticeDays: terms.noticeDays,
      earliestEndAt: Math.max(minimumTermEndsAt, this.now() + terms.noticeDays * DAY),
      endsAt: row.contract_ends_at,
      managedByOrganisation: row.organisation_id !== null,
    };
  }

  /** Schedules the end (the earliest possible date unless a later one is asked for). */
  async cancel(accountId: string, endAt?: number): Promise<ContractView> {
    const contract = await this.contract(accountId);
    if (contract.managedByOrganisation)
      throw new ApiError(403, 'contract_by_organisation', 'Your organisation holds this contract');
    const end = endAt ?? contract.earliestEndAt;
    if (end < contract.earliestEndAt)
      throw new ApiError(409, 'contract_too_early', 'The contract cannot end before the earliest possible date', [
        { path: 'earliestEndAt', code: new Date(contract.earliestEndAt).toISOString() },
      ]);
    await this.db.updateTable('accounts').set({ contract_ends_at: end }).where('id', '=', accountId).execute();
    await this.endDueContracts();
    return this.contract(accountId);
  }

  /** Takes a scheduled cancellation back, as long as the end has not come. */
  async withdraw(accountId: string): Promise<ContractView> {
    await this.db
      .updateTable('accounts')
      .set({ contract_ends_at: null })
      .where('id', '=', accountId)
      .where('deleted_at', 'is', null)
      .execute();
    return this.contract(accountId);
  }

  /** Deletes the accounts whose contract has ended; run at start, hourly, and after each cancellation. */
  async endDueContracts(): Promise<number> {
    const due = await this.db
      .selectFrom('accounts')
      .select('id')
      .where('contract_ends_at', '<=', this.now())
      .where('deleted_at', 'is', null)
      .execute();
    for (const { id } of due) await this.deletePersonalData(id);
    return due.length;
  }

  /** Personal data goes; what billing must keep (id, plan, organisation, dates) stays. */
  async deletePersonalData(accountId: string): Promise<void> {
    const at = this.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('accounts')
        .set({
          email: `deleted-${accountId}@deleted.invalid`,
          name: '',
          username: null,
          password_hash: null,
          pin_hash: null,
          phone: null,
          contact_phone: null,
          address: null,
          postcode: null,
          city: null,
          country: null,
          preferences: '{}',
          searchable: 0,
          two_factor: 0,
          status: 'deactivated',
          deleted_at: at,
        })
        .where('id', '=', accountId)
        .execute();
      await trx
        .deleteFrom('contacts')
        .where((eb) => eb.or([eb('owner_id', '=', accountId), eb('contact_id', '=', accountId)]))
        .execute();
      await trx.deleteFrom('sms_codes').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('registration_links').where('account_id', '=', accountId).execute();
    });
    await this.accounts.revokeSessions(accountId);
  }
}
