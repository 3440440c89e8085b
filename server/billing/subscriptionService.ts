/**
 * Subscriptions (issue 11): one per paying party (`acct:<id>` or `org:<id>`). A row is made on first use
 * with the trial counted from the registration (or the organisation's creation), so that the trial's end
 * does not depend on when someone first looks. Statuses are derived from the injected clock as well as
 * stored: a trial past its end reads `expired` before any housekeeping ran.
 *
 * A checkout is a payment row first (unique per owner and idempotency key: a double click finds it), with
 * the voucher's redemption reserved in the same transaction; then the provider; then, in one transaction,
 * the payment's conditional move to `succeeded` (only one caller wins it), the subscription's new period
 * and the invoice with the next gapless number. A declined card changes nothing but the payment's row.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Mailer } from '../mail/mailer';
import { trialReminderMail } from '../mail/mailTexts';
import { currencySchema } from '../../protocol/credits';
import {
  quoteSchema,
  type BillingOverview,
  type InvoiceLine,
  type PaymentState,
  type Quote,
  type Subscription,
} from '../../protocol/billing';
import type { Profile } from '../accounts/accountService';
import type { PaymentsTable, ServerDatabase, SubscriptionsTable } from '../db/schema';
import { isUniqueViolation } from '../db/database';
import { ApiError } from '../http/apiError';
import { practiceOf } from '../sync/syncService';
import { nextInvoiceNumber } from './invoiceNumbers';
import { invoicePdf } from './invoicePdf';
import { addMonths, currencyForCountry, intervalMonths, planIn, vatRateFor, type PlanConfigs } from './plans';
import type { CardToken } from '../../protocol/card';
import type { CardResult, PaymentProvider, ProviderEvent } from './providers';
import { computeQuote } from './quote';
import type { VoucherService } from './vouchers';

const DAY = 86_400_000;

/** The account's or organisation's id in an owner (`acct:<id>`, `org:<id>`). */
const idOf = (owner: string): string => owner.slice(owner.indexOf(':') + 1);

export interface BillingOptions {
  plans: PlanConfigs;
  vatRates: Record<string, number>;
  trialDays: number;
  /** Days a renewal whose charge failed is retried (`past_due`, still usable) before the subscription ends. */
  graceDays: number;
  now: () => number;
  /** In the transaction that made a subscription active: what waited for one may go on (held messages). */
  onActive?: (trx: Transaction<ServerDatabase>, owner: string) => Promise<void>;
  /** The Telehealth Pro add-on's name and prices (its seats are charged at each renewal). */
  telehealth?: { name: string; prices: Partial<Record<Quote['currency'], number>> };
  /** Mails to the payer (trial reminders). */
  mailer?: Mailer;
  log?: (message: string, details: Record<string, unknown>) => void;
}

type Row = Selectable<SubscriptionsTable>;

export class SubscriptionService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly vouchers: VoucherService,
    private readonly provider: PaymentProvider,
    private readonly options: BillingOptions,
  ) {}

  private now(): number {
    return this.options.now();
  }

  /** The account's buyer: its audience, currency, VAT and seats (licensed colleagues of an organisation). */
  async buyer(profile: Pick<Profile, 'id' | 'organisationId'>) {
    const row = await this.db.selectFrom('accounts').select('country').where('id', '=', profile.id).executeTakeFirst();
    const country = row?.country ?? null;
    let seats = 1;
    if (profile.organisationId) {
      const count = await this.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('organisation_id', '=', profile.organisationId)
        .where('licence', '=', 1)
        .where('deleted_at', 'is', null)
        .where('status', '!=', 'deactivated')
        .executeTakeFirstOrThrow();
      seats = Math.max(1, Number(count.n));
    }
    return {
      audience: profile.organisationId ? ('organisation' as const) : ('individual' as const),
      currency: currencyForCountry(country),
      vatRateBp: vatRateFor(this.options.vatRates, country),
      country,
      seats,
    };
  }

  private row(profile: Pick<Profile, 'id' | 'organisationId'>): Promise<Row> {
    return this.rowOf(practiceOf(profile));
  }

  /** The owner's row, made with its trial on first use (from the registration or the organisation's creation). */
  private async rowOf(owner: string): Promise<Row> {
    const found = await this.db.selectFrom('subscriptions').selectAll().where('owner', '=', owner).executeTakeFirst();
    if (found) return found;
    const id = idOf(owner);
    // An organisation's trial counts from its creation, or from its founder's registration when an
    // individual account became the organisation (no second trial by upgrading).
    const since = owner.startsWith('org:')
      ? Math.min(
          ...[
            (await this.db.selectFrom('organisations').select('created_at').where('id', '=', id).executeTakeFirst())
              ?.created_at,
            ...(
              await this.db
                .selectFrom('accounts')
                .select('registered_at')
                .where('organisation_id', '=', id)
                .where('role', '=', 'org_admin')
                .execute()
            ).map((a) => a.registered_at),
          ]
            .filter((v): v is number => v !== null && v !== undefined)
            .map(Number),
          this.now(),
        )
      : (
          await this.db
            .selectFrom('accounts')
            .select(['registered_at', 'created_at'])
            .where('id', '=', id)
            .executeTakeFirst()
        )?.registered_at;
    await this.db
      .insertInto('subscriptions')
      .values({
        owner,
        plan: null,
        status: 'trialing',
        trial_ends_at: Number(since ?? this.now()) + this.options.trialDays * DAY,
        updated_at: this.now(),
      })
      .onConflict((oc) => oc.column('owner').doNothing())
      .execute();
    return this.db.selectFrom('subscriptions').selectAll().where('owner', '=', owner).executeTakeFirstOrThrow();
  }

  /** Whether the practice may start consultations, invite patients and send messages now. */
  async entitled(owner: string): Promise<boolean> {
    const status = this.status(await this.rowOf(owner));
    return status === 'trialing' || status === 'active' || status === 'past_due';
  }

  /** The gate of consultations, invitations and messages: 402 once the trial or subscription has ended. */
  async requireUsable(profile: Pick<Profile, 'id' | 'organisationId'>): Promise<void> {
    if (!(await this.entitled(practiceOf(profile))))
      throw new ApiError(402, 'subscription_required', 'No subscription selected – choose your subscription');
  }

  /** The status at this moment, from the row and the clock. */
  private status(row: Row): Subscription['status'] {
    const now = this.now();
    if (row.status === 'trialing') return now >= Number(row.trial_ends_at) ? 'expired' : 'trialing';
    if ((row.status === 'active' || row.status === 'past_due') && row.ends_at !== null && now >= Number(row.ends_at))
      return 'canceled';
    return row.status;
  }

  /** The earliest end a cancellation made now can have: the period end, or later for a minimum term and notice. */
  private earliestEnd(row: Row): number | null {
    if (row.current_period_end === null || row.plan === null || row.started_at === null) return null;
    const plan = Object.hasOwn(this.options.plans, row.plan) ? this.options.plans[row.plan] : undefined;
    const periodEnd = Number(row.current_period_end);
    if (!plan) return periodEnd;
    const earliest = Math.max(
      addMonths(Number(row.started_at), plan.minimumTermMonths),
      this.now() + plan.noticeDays * DAY,
    );
    // Paid periods run out: the end is the first period end on or after the earliest allowed date.
    let end = periodEnd;
    for (let i = 1; end < earliest && i < 1200; i += 1) end = addMonths(periodEnd, i * intervalMonths(plan));
    return end;
  }

  /** Who manages a member's subscription (their organisation), or null for one's own. */
  async managedBy(profile: Profile): Promise<{ name: string } | null> {
    if (!profile.organisationId || profile.role === 'org_admin') return null;
    const org = await this.db
      .selectFrom('organisations')
      .select('name')
      .where('id', '=', profile.organisationId)
      .executeTakeFirst();
    return { name: org?.name ?? '' };
  }

  async view(profile: Profile): Promise<Subscription> {
    const row = await this.row(profile);
    const status = this.status(row);
    // A plan is set together with its currency, by the payment that started it.
    const plan =
      row.plan && row.currency ? planIn(this.options.plans, row.plan, currencySchema.parse(row.currency)) : null;
    const managedBy = await this.managedBy(profile);
    return {
      plan,
      status,
      trialEndsAt: Number(row.trial_ends_at),
      currentPeriodEnd: row.current_period_end === null ? null : Number(row.current_period_end),
      cancelAtPeriodEnd: row.ends_at !== null,
      endsAt: row.ends_at === null ? null : Number(row.ends_at),
      managedBy,
      canManage: managedBy === null,
      usable: status === 'trialing' || status === 'active' || status === 'past_due',
      billingSource: row.billing_source,
      card: row.card_brand && row.card_last4 ? { brand: row.card_brand, last4: row.card_last4 } : null,
      seats: Number(row.seats),
      provider: this.provider.kind,
      earliestEndAt: status === 'active' || status === 'past_due' ? this.earliestEnd(row) : null,
    };
  }

  private async requireManager(profile: Profile): Promise<void> {
    if (await this.managedBy(profile))
      throw new ApiError(403, 'subscription_managed', 'Your organisation manages this subscription');
  }

  /** The preview of a checkout: the same numbers the charge and the invoice will have. */
  async quote(profile: Profile, planId: string, voucherCode?: string): Promise<Quote> {
    const who = await this.buyer(profile);
    const plan = planIn(this.options.plans, planId, who.currency);
    if (!plan || plan.audience !== who.audience)
      throw new ApiError(400, 'plan_unavailable', 'This plan is not on sale to this account', [
        { path: 'plan', code: 'plan_unavailable' },
      ]);
    const voucher = voucherCode ? await this.vouchers.check(voucherCode, plan) : null;
    return computeQuote({ plan, seats: who.seats, vatRateBp: who.vatRateBp, start: this.now(), voucher });
  }

  private async paymentState(payment: Selectable<PaymentsTable>, profile: Profile): Promise<PaymentState> {
    return { paymentId: payment.id, status: payment.status, subscription: await this.view(profile) };
  }

  /**
   * A payment of the caller's own, with the subscription as it stands. One waiting in a hosted checkout
   * is asked of the provider too, so the app learns of it even when a webhook is late.
   */
  async paymentOf(profile: Profile, paymentId: string): Promise<PaymentState> {
    const payment = await this.payment(profile, paymentId);
    if (payment.status === 'redirect') {
      const result = await this.provider.confirm(paymentId, payment.provider_ref ?? '', true);
      if (result.status === 'succeeded') await this.complete(paymentId, result);
      else if (result.status === 'declined') await this.decline(paymentId, result.reason);
      const state = await this.paymentState(await this.payment(profile, paymentId), profile);
      // Still in the hosted checkout: its address again (a second click, a window reopened).
      return result.status === 'redirect' && state.status === 'redirect' ? { ...state, url: result.url } : state;
    }
    return this.paymentState(payment, profile);
  }

  /** A verified webhook of the provider: applied once (a repeated delivery finds its id and the payment settled). */
  async applyProviderEvent(event: ProviderEvent): Promise<'applied' | 'duplicate' | 'unknown'> {
    const key = `${this.provider.kind}:${event.id}`;
    const seen = await this.db.selectFrom('billing_events').select('id').where('id', '=', key).executeTakeFirst();
    if (seen) return 'duplicate';
    const payment = await this.db
      .selectFrom('payments')
      .select('id')
      .where('id', '=', event.paymentId)
      .executeTakeFirst();
    if (!payment) return 'unknown';
    // complete and decline move the payment only from a waiting state: a second delivery changes nothing.
    if (event.result.status === 'succeeded') await this.complete(payment.id, event.result);
    else if (event.result.status === 'declined') await this.decline(payment.id, event.result.reason);
    await this.db
      .insertInto('billing_events')
      .values({ id: key, at: this.now() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return 'applied';
  }

  /** A new payment's row: pending, for this provider, with the quote it charges. */
  private paymentRow(input: {
    id: string;
    owner: string;
    accountId: string;
    key: string;
    purpose: 'subscribe' | 'renew' | 'addon';
    quote: Quote;
    voucher?: string | null;
  }) {
    const now = this.now();
    return {
      id: input.id,
      owner: input.owner,
      account_id: input.accountId,
      idempotency_key: input.key,
      purpose: input.purpose,
      status: 'pending' as const,
      plan: input.quote.plan.id,
      quote: JSON.stringify(input.quote),
      voucher: input.voucher ?? null,
      amount_minor: input.quote.totalMinor,
      currency: input.quote.currency,
      provider: this.provider.kind,
      provider_ref: null,
      error: null,
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * Writes a new payment with what belongs to it (a voucher's reservation, an add-on's window) in one
   * transaction; false when another request with the same key wrote it first (the unique key decides).
   */
  private async createPayment(
    row: ReturnType<SubscriptionService['paymentRow']>,
    prepare: (trx: Transaction<ServerDatabase>) => Promise<void>,
  ): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('payments').values(row).execute();
        await prepare(trx);
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private byKey(owner: string, key: string) {
    return this.db
      .selectFrom('payments')
      .selectAll()
      .where('owner', '=', owner)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  }

  async checkout(
    profile: Profile,
    input: { plan: string; voucher?: string | undefined; card?: CardToken | undefined; idempotencyKey: string },
  ): Promise<PaymentState> {
    await this.requireManager(profile);
    const owner = practiceOf(profile);
    const existing = await this.byKey(owner, input.idempotencyKey);
    // The same checkout again (a double click): its payment as it stands; `pending` while the first
    // request is still with the provider (the app then asks again).
    if (existing) return this.paymentOf(profile, existing.id);
    const current = await this.view(profile);
    if (current.status === 'active' || current.status === 'past_due')
      throw new ApiError(409, 'already_subscribed', 'This subscription is running; reactivate or wait for its end');
    const quote = await this.quote(profile, input.plan, input.voucher);
    const voucherCode = quote.lines.find((l) => l.kind === 'voucher')?.label ?? null;
    const id = randomUUID();
    const created = await this.createPayment(
      this.paymentRow({
        id,
        owner,
        accountId: profile.id,
        key: input.idempotencyKey,
        purpose: 'subscribe',
        quote,
        voucher: voucherCode,
      }),
      async (trx) => {
        if (voucherCode) await this.vouchers.reserve(trx, voucherCode);
      },
    );
    if (!created) {
      // Two clicks raced: the other one's payment is this one.
      const raced = await this.byKey(owner, input.idempotencyKey);
      if (!raced) throw new Error('a payment raced for this key but is not there');
      return this.paymentOf(profile, raced.id);
    }
    // Creating a charge or a hosted checkout that failed took no money: the payment is declined (its
    // voucher given back) and the user can try again.
    const result = await this.provider
      .charge({
        paymentId: id,
        amountMinor: quote.totalMinor,
        currency: quote.currency,
        description: quote.plan.name,
        card: input.card ?? null,
      })
      .catch((error: unknown) => {
        this.options.log?.('checkout failed at the provider', { owner, err: String(error) });
        return { status: 'declined', reason: 'provider_unavailable' } as const;
      });
    return this.settle(id, result, profile);
  }

  /** The test provider's 3-D Secure step: the cardholder approves or rejects (with Stripe: where it stands). */
  async confirm(profile: Profile, paymentId: string, approve: boolean): Promise<PaymentState> {
    const payment = await this.payment(profile, paymentId);
    if (payment.status !== 'requires_action' && payment.status !== 'redirect')
      return this.paymentState(payment, profile);
    return this.settle(paymentId, await this.provider.confirm(paymentId, payment.provider_ref ?? '', approve), profile);
  }

  async payment(profile: Profile, paymentId: string): Promise<Selectable<PaymentsTable>> {
    const payment = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .where('owner', '=', practiceOf(profile))
      .executeTakeFirst();
    if (!payment) throw new ApiError(404, 'not_found', 'No such payment');
    return payment;
  }

  private async settle(paymentId: string, result: CardResult, profile: Profile): Promise<PaymentState> {
    if (result.status === 'succeeded') await this.complete(paymentId, result);
    else if (result.status === 'requires_action' || result.status === 'redirect') {
      await this.db
        .updateTable('payments')
        .set({ status: result.status, provider_ref: result.ref, updated_at: this.now() })
        .where('id', '=', paymentId)
        .where('status', '=', 'pending')
        .execute();
      if (result.status === 'redirect')
        return { ...(await this.paymentState(await this.payment(profile, paymentId), profile)), url: result.url };
    } else {
      await this.decline(paymentId, result.reason);
      throw new ApiError(402, 'card_declined', 'The card was declined; nothing was charged', [
        { path: 'card', code: result.reason },
      ]);
    }
    return this.paymentOf(profile, paymentId);
  }

  private async decline(paymentId: string, reason: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('payments')
        .set({ status: 'declined', error: reason, updated_at: this.now() })
        .where('id', '=', paymentId)
        .where('status', 'in', ['pending', 'requires_action', 'redirect'])
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return;
      const payment = await trx
        .selectFrom('payments')
        .select(['voucher', 'purpose'])
        .where('id', '=', paymentId)
        .executeTakeFirst();
      if (payment?.voucher) await this.vouchers.release(trx, payment.voucher);
      if (payment?.purpose === 'addon')
        await trx.deleteFrom('telehealth_addons').where('payment_id', '=', paymentId).where('active', '=', 0).execute();
    });
  }

  /** The payment succeeded: once, whoever reports it (the checkout, a confirmation, a webhook twice). */
  async complete(paymentId: string, result: Extract<CardResult, { status: 'succeeded' }>): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('payments')
        .set({ status: 'succeeded', updated_at: now })
        .where('id', '=', paymentId)
        .where('status', 'in', ['pending', 'requires_action', 'redirect'])
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return;
      const payment = await trx
        .selectFrom('payments')
        .selectAll()
        .where('id', '=', paymentId)
        .executeTakeFirstOrThrow();
      const quote = quoteSchema.parse(JSON.parse(payment.quote));
      if (payment.purpose === 'addon')
        // An add-on's prorated charge: its windows start; the subscription's period stays as it is.
        await trx.updateTable('telehealth_addons').set({ active: 1 }).where('payment_id', '=', payment.id).execute();
      else
        await trx
          .updateTable('subscriptions')
          .set({
            plan: quote.plan.id,
            status: 'active',
            current_period_start: quote.periodStart,
            current_period_end: quote.periodEnd,
            currency: quote.currency,
            seats: quote.seats,
            updated_at: now,
            // A renewal continues the subscription (its minimum term, its saved card, a cancellation made
            // meanwhile); a new subscription starts them afresh.
            ...(payment.purpose === 'renew'
              ? {}
              : {
                  started_at: quote.periodStart,
                  ends_at: null,
                  card_brand: result.card?.brand ?? null,
                  card_last4: result.card?.last4 ?? null,
                  provider: payment.provider,
                  provider_method: result.method ?? null,
                  provider_customer: result.customer ?? null,
                }),
          })
          .where('owner', '=', payment.owner)
          .execute();
      await this.options.onActive?.(trx, payment.owner);
      const customer = await trx
        .selectFrom('accounts')
        .leftJoin('organisations', 'organisations.id', 'accounts.organisation_id')
        .select([
          'accounts.name',
          'accounts.email',
          'accounts.address',
          'accounts.postcode',
          'accounts.city',
          'accounts.country',
          'accounts.language',
          'organisations.name as organisation',
        ])
        .where('accounts.id', '=', payment.account_id)
        .executeTakeFirstOrThrow();
      const number = await nextInvoiceNumber(trx, now);
      await trx
        .insertInto('invoices')
        .values({
          id: randomUUID(),
          ...number,
          owner: payment.owner,
          payment_id: payment.id,
          language: customer.language,
          currency: quote.currency,
          customer: JSON.stringify(customer),
          lines: JSON.stringify(quote.lines),
          net_minor: quote.netMinor,
          vat_rate_bp: quote.vatRateBp,
          vat_minor: quote.vatMinor,
          total_minor: quote.totalMinor,
          period_start: quote.periodStart,
          period_end: quote.periodEnd,
          issued_at: now,
        })
        .execute();
    });
  }

  /** A no-lock-in plan runs to its period end; a minimum term and notice end at the earliest allowed period end. */
  async cancel(profile: Profile): Promise<Subscription> {
    await this.requireManager(profile);
    const row = await this.row(profile);
    const status = this.status(row);
    if ((status !== 'active' && status !== 'past_due') || row.ends_at !== null)
      throw new ApiError(409, 'no_subscription', 'There is no running subscription to cancel');
    await this.db
      .updateTable('subscriptions')
      .set({ ends_at: this.earliestEnd(row), updated_at: this.now() })
      .where('owner', '=', row.owner)
      .where('ends_at', 'is', null)
      .execute();
    return this.view(profile);
  }

  /** Before the end the subscription simply continues; after it, a new checkout starts a new one. */
  async reactivate(profile: Profile): Promise<Subscription> {
    await this.requireManager(profile);
    const row = await this.row(profile);
    const status = this.status(row);
    if (status !== 'active' && status !== 'past_due')
      throw new ApiError(409, 'subscription_ended', 'This subscription has ended; choose a plan to start a new one');
    await this.db
      .updateTable('subscriptions')
      .set({ ends_at: null, updated_at: this.now() })
      .where('owner', '=', row.owner)
      .execute();
    return this.view(profile);
  }

  /** The owner's subscription row (made with its trial on first use) and its status now. */
  async stateOf(owner: string): Promise<{ row: Row; status: Subscription['status'] }> {
    const row = await this.rowOf(owner);
    return { row, status: this.status(row) };
  }

  /** Colleagues of the owner with Telehealth Pro active at `at` and not ending then (charged at a renewal). */
  async addOnSeatsAt(owner: string, at: number): Promise<number> {
    const row = await this.db
      .selectFrom('telehealth_addons')
      .select((eb) => eb.fn.count<number | string>('account_id').distinct().as('n'))
      .where('owner', '=', owner)
      .where('active', '=', 1)
      .where('starts_at', '<=', at)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', at)]))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * A charge now with the saved card (an add-on's prorated price): one payment per owner and key, with
   * `prepare` run in its transaction (the add-on's inactive window); the same completion as any payment,
   * with its invoice.
   */
  async chargeSavedCard(input: {
    owner: string;
    accountId: string;
    key: string;
    purpose: 'addon';
    quote: Quote;
    prepare: (trx: Transaction<ServerDatabase>, paymentId: string) => Promise<void>;
  }): Promise<{ status: 'succeeded' | 'declined' | 'pending'; reason: string | null }> {
    const existing = await this.byKey(input.owner, input.key);
    if (existing)
      return {
        status: existing.status === 'succeeded' ? 'succeeded' : existing.status === 'declined' ? 'declined' : 'pending',
        reason: existing.error,
      };
    const { row } = await this.stateOf(input.owner);
    const id = randomUUID();
    const created = await this.createPayment(
      this.paymentRow({
        id,
        owner: input.owner,
        accountId: input.accountId,
        key: input.key,
        purpose: input.purpose,
        quote: input.quote,
      }),
      (trx) => input.prepare(trx, id),
    );
    if (!created) return { status: 'pending', reason: null };
    const result = await this.provider.renew({
      paymentId: id,
      attempt: '0',
      amountMinor: input.quote.totalMinor,
      currency: input.quote.currency,
      description: input.quote.lines[0]?.label ?? '',
      method: row.provider_method,
      customer: row.provider_customer,
    });
    if (result.status === 'succeeded') {
      await this.complete(id, result);
      return { status: 'succeeded', reason: null };
    }
    const reason = result.status === 'declined' ? result.reason : 'authentication_required';
    await this.decline(id, reason);
    return { status: 'declined', reason };
  }

  /**
   * Renews the subscriptions whose period has ended, with the saved card: one payment per owner and period
   * (its key), so two processes or a repeated run charge once. A declined renewal leaves the subscription
   * `past_due` (still usable) and is tried again each run until `graceDays` after the period end; then the
   * subscription ends at that period end. A cancelled subscription is not renewed.
   */
  async renewDue(): Promise<{ renewed: number; failed: number }> {
    const now = this.now();
    const due = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('status', 'in', ['active', 'past_due'])
      .where('current_period_end', '<=', now)
      // Not cancelled, or cancelled to a later end (a minimum term and notice): paid periods run until then.
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', eb.ref('current_period_end'))]))
      .execute();
    let renewed = 0;
    let failed = 0;
    for (const row of due) {
      const outcome = await this.renew(row).catch((error: unknown) => {
        this.options.log?.('renewal failed', { owner: row.owner, err: String(error) });
        return 'failed' as const;
      });
      if (outcome === 'renewed') renewed += 1;
      else if (outcome === 'failed') failed += 1;
    }
    return { renewed, failed };
  }

  private async renew(row: Row): Promise<'renewed' | 'failed' | 'skipped'> {
    const periodEnd = Number(row.current_period_end);
    const now = this.now();
    const lastPayer = await this.db
      .selectFrom('payments')
      .select('account_id')
      .where('owner', '=', row.owner)
      .where('status', '=', 'succeeded')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    const plan =
      row.plan && row.currency ? planIn(this.options.plans, row.plan, currencySchema.parse(row.currency)) : null;
    if (!lastPayer || !plan) return 'skipped';
    const organisationId = row.owner.startsWith('org:') ? idOf(row.owner) : null;
    const who = await this.buyer({ id: lastPayer.account_id, organisationId });
    const addOnSeats = await this.addOnSeatsAt(row.owner, periodEnd);
    const addOnPrice = this.options.telehealth?.prices[plan.currency];
    const extras: InvoiceLine[] =
      addOnSeats > 0 && addOnPrice !== undefined && this.options.telehealth
        ? [
            {
              kind: 'seats',
              label: this.options.telehealth.name,
              quantity: addOnSeats,
              unitMinor: addOnPrice * intervalMonths(plan),
              amountMinor: addOnPrice * intervalMonths(plan) * addOnSeats,
              months: intervalMonths(plan),
            },
          ]
        : [];
    const quote = computeQuote({ plan, seats: who.seats, vatRateBp: who.vatRateBp, start: periodEnd, extras });
    const key = `renew:${periodEnd}`;
    let payment = await this.byKey(row.owner, key);
    let fresh = false;
    if (!payment) {
      const inserted = await this.db
        .insertInto('payments')
        .values(
          this.paymentRow({
            id: randomUUID(),
            owner: row.owner,
            accountId: lastPayer.account_id,
            key,
            purpose: 'renew',
            quote,
          }),
        )
        .onConflict((oc) => oc.columns(['owner', 'idempotency_key']).doNothing())
        .executeTakeFirst();
      fresh = Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
      payment = await this.byKey(row.owner, key);
    }
    // A declined renewal is tried again once a day (the provider's key, the payment's id, makes a charge
    // repeated after a crash the same charge).
    if (!payment || payment.status !== 'pending' || (!fresh && Number(payment.updated_at) > now - DAY))
      return 'skipped';
    // An error of the provider (not a decline: a card removed, a customer deleted, the network) counts as
    // a failed attempt too, so the grace period runs and ends the subscription if it persists.
    const result: CardResult = await this.provider
      .renew({
        paymentId: payment.id,
        // One key per daily attempt: a retry the next day is a new charge attempt, a repeat the same day not.
        attempt: String(Math.floor(now / DAY)),
        amountMinor: payment.amount_minor,
        currency: payment.currency,
        description: plan.name,
        method: row.provider_method,
        customer: row.provider_customer,
      })
      .catch((error: unknown) => {
        this.options.log?.('renewal charge failed', { owner: row.owner, err: String(error) });
        return { status: 'declined', reason: 'provider_error' } as const;
      });
    if (result.status === 'succeeded') {
      await this.complete(payment.id, result);
      return 'renewed';
    }
    const reason = result.status === 'declined' ? result.reason : 'authentication_required';
    const ended = now >= periodEnd + this.options.graceDays * DAY;
    await this.db
      .updateTable('payments')
      .set({ status: ended ? 'declined' : 'pending', error: reason, updated_at: now })
      .where('id', '=', payment.id)
      .where('status', '=', 'pending')
      .execute();
    await this.db
      .updateTable('subscriptions')
      .set({ status: 'past_due', ...(ended ? { ends_at: periodEnd } : {}), updated_at: now })
      .where('owner', '=', row.owner)
      .where('current_period_end', '=', periodEnd)
      .execute();
    return 'failed';
  }

  /**
   * The mails 3 days and 1 day before a trial ends, each once per owner (a `billing_events` row claims it,
   * so two processes or a repeated run send it once), to the account or the organisation's admins.
   */
  async remindTrials(): Promise<number> {
    const mailer = this.options.mailer;
    if (!mailer) return 0;
    const now = this.now();
    const rows = await this.db
      .selectFrom('subscriptions')
      .select(['owner', 'trial_ends_at'])
      .where('status', '=', 'trialing')
      .where('plan', 'is', null)
      .where('trial_ends_at', '>', now)
      .where('trial_ends_at', '<=', now + 3 * DAY)
      .execute();
    let sent = 0;
    for (const row of rows) {
      const endsAt = Number(row.trial_ends_at);
      const kind = endsAt - now <= DAY ? '1d' : '3d';
      const claimed = await this.db
        .insertInto('billing_events')
        .values({ id: `trial-${kind}:${row.owner}:${endsAt}`, at: now })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) continue;
      // A 1-day reminder makes the 3-day one pointless (a trial shortened, or the server was down).
      if (kind === '1d')
        await this.db
          .insertInto('billing_events')
          .values({ id: `trial-3d:${row.owner}:${endsAt}`, at: now })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      const id = idOf(row.owner);
      const organisation = row.owner.startsWith('org:');
      const recipients = await this.db
        .selectFrom('accounts')
        .select(['email', 'language'])
        .where(organisation ? 'organisation_id' : 'id', '=', id)
        .where('role', 'in', organisation ? ['org_admin'] : ['member', 'org_admin', 'service_admin'])
        .where('deleted_at', 'is', null)
        .execute();
      for (const recipient of recipients) {
        await mailer.send({
          to: recipient.email,
          ...trialReminderMail(recipient.language, { endsAt, days: kind === '1d' ? 1 : 3 }),
        });
        sent += 1;
      }
    }
    return sent;
  }

  /**
   * The service desk's overview: subscriptions by their status now, trials ending within a week (with the
   * account's or organisation's name), and invoiced revenue per month and currency for the last year.
   */
  async overview(): Promise<BillingOverview> {
    const now = this.now();
    const rows = await this.db.selectFrom('subscriptions').selectAll().execute();
    const byStatus: BillingOverview['byStatus'] = { trialing: 0, active: 0, past_due: 0, canceled: 0, expired: 0 };
    for (const row of rows) byStatus[this.status(row)] += 1;
    const ending = rows
      .filter((r) => this.status(r) === 'trialing' && r.plan === null && Number(r.trial_ends_at) < now + 7 * DAY)
      .sort((a, b) => Number(a.trial_ends_at) - Number(b.trial_ends_at));
    const names = async (owner: string): Promise<string> => {
      const id = idOf(owner);
      if (owner.startsWith('org:'))
        return (
          (await this.db.selectFrom('organisations').select('name').where('id', '=', id).executeTakeFirst())?.name ?? ''
        );
      const account = await this.db
        .selectFrom('accounts')
        .select(['name', 'username', 'email'])
        .where('id', '=', id)
        .executeTakeFirst();
      return account ? account.name || account.username || account.email : '';
    };
    const trialsEndingThisWeek = [];
    for (const row of ending)
      trialsEndingThisWeek.push({
        owner: row.owner,
        name: await names(row.owner),
        trialEndsAt: Number(row.trial_ends_at),
      });
    const invoices = await this.db
      .selectFrom('invoices')
      .select(['issued_at', 'currency', 'total_minor'])
      .where('issued_at', '>=', now - 366 * DAY)
      .execute();
    const revenue = new Map<string, { month: string; currency: Quote['currency']; totalMinor: number }>();
    for (const invoice of invoices) {
      const month = new Date(Number(invoice.issued_at)).toISOString().slice(0, 7);
      const currency = currencySchema.parse(invoice.currency);
      const key = `${month} ${currency}`;
      const entry = revenue.get(key) ?? { month, currency, totalMinor: 0 };
      entry.totalMinor += Number(invoice.total_minor);
      revenue.set(key, entry);
    }
    const revenueByMonth = [...revenue.values()].sort(
      (a, b) => b.month.localeCompare(a.month) || a.currency.localeCompare(b.currency),
    );
    return { byStatus, trialsEndingThisWeek, revenueByMonth };
  }

  /** An invoice of the caller's own subscription as PDF, in the invoice's language. */
  async invoicePdf(profile: Profile, id: string): Promise<{ filename: string; pdfBase64: string }> {
    const invoice = await this.db
      .selectFrom('invoices')
      .selectAll()
      .where('id', '=', id)
      .where('owner', '=', practiceOf(profile))
      .executeTakeFirst();
    if (!invoice) throw new ApiError(404, 'not_found', 'No such invoice');
    const pdf = await invoicePdf(invoice);
    return { filename: `invoice-${invoice.number}.pdf`, pdfBase64: Buffer.from(pdf).toString('base64') };
  }

  async invoices(profile: Profile) {
    const rows = await this.db
      .selectFrom('invoices')
      .select(['id', 'number', 'issued_at', 'currency', 'total_minor', 'period_start', 'period_end'])
      .where('owner', '=', practiceOf(profile))
      .orderBy('issued_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      number: r.number,
      issuedAt: Number(r.issued_at),
      currency: r.currency as Quote['currency'],
      totalMinor: Number(r.total_minor),
      periodStart: r.period_start === null ? null : Number(r.period_start),
      periodEnd: r.period_end === null ? null : Number(r.period_end),
    }));
  }
}
