/**
 * Deleting an account is its own action (issue 11), not the end of a subscription: with the password, the
 * account's sessions end at once and it can no longer sign in; its personal data is erased after a
 * stated period (`accountErasureDays`, so a mistake can still be undone by support). What the law requires
 * for billing stays: the invoices (their own copy of the customer's address, for 10 years), the payments,
 * and the account's id, plan and dates.
 */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../db/schema';
import type { AccountService } from './accountService';

const DAY = 86_400_000;

export class AccountDeletion {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly accounts: AccountService,
    private readonly erasureDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules the erasure; sessions end now and sign-in is refused from now on. */
  async schedule(accountId: string): Promise<{ eraseAt: number }> {
    const eraseAt = this.now() + this.erasureDays * DAY;
    await this.db
      .updateTable('accounts')
      .set({ erase_at: eraseAt, status: 'deactivated' })
      .where('id', '=', accountId)
      .where('deleted_at', 'is', null)
      .execute();
    // Its own subscription is not renewed any more (it runs out at the paid period's end; nothing is refunded).
    await this.db
      .updateTable('subscriptions')
      .set((eb) => ({ ends_at: eb.ref('current_period_end'), updated_at: this.now() }))
      .where('owner', '=', `acct:${accountId}`)
      .where('ends_at', 'is', null)
      .where('current_period_end', 'is not', null)
      .execute();
    // Telehealth Pro ends with the account: its seat is not charged again.
    await this.db
      .updateTable('telehealth_addons')
      .set({ ends_at: this.now() })
      .where('account_id', '=', accountId)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', this.now())]))
      .execute();
    await this.accounts.revokeSessions(accountId);
    if (this.erasureDays === 0) await this.eraseDue();
    return { eraseAt };
  }

  /** Erases the accounts whose erasure date has come; run at start and hourly. */
  async eraseDue(): Promise<number> {
    const due = await this.db
      .selectFrom('accounts')
      .select('id')
      .where('erase_at', '<=', this.now())
      .where('deleted_at', 'is', null)
      .execute();
    for (const { id } of due) await this.erasePersonalData(id);
    return due.length;
  }

  /** Personal data goes; what billing must keep (id, plan, organisation, dates; invoices) stays. */
  async erasePersonalData(accountId: string): Promise<void> {
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
