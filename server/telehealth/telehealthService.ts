/**
 * Telehealth Pro (issue 12): the server meters video minutes from its own records of connected calls
 * (consultations with patients, meetings a practitioner hosts), never from what a client reports.
 *
 * Minutes are counted per practitioner: time in a call while the practitioner had the add-on counts
 * against the add-on's minutes of the current period (they start again at each renewal, unused ones do
 * not carry over); all other time counts against the 60 trial minutes every account has once. A call is
 * never cut: what runs past the end is recorded as overrun. Adding the add-on charges the rest of the
 * current period pro rata (to the day, half up to the minor unit) with the saved card, on an invoice of
 * its own; each renewal then charges it in full with the plan.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { MemberUsage, TelehealthUsage } from '../../protocol/telehealth';
import type { Quote } from '../../protocol/billing';
import { currencySchema } from '../../protocol/credits';
import type { Profile } from '../accounts/accountService';
import type { ServerConfig } from '../config';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { practiceOf } from '../sync/syncService';
import { basisPoints, currencyForCountry, intervalMonths, planIn, prorate, type PlanConfigs } from '../billing/plans';
import type { SubscriptionService } from '../billing/subscriptionService';

const MINUTE = 60_000;
/** A call not touched for this long was lost with a server process: it ended at its last touch. */
const STALE_MS = 3 * MINUTE;

export interface TelehealthOptions {
  telehealth: ServerConfig['telehealth'];
  plans: PlanConfigs;
  now: () => number;
}

type Who = Pick<Profile, 'id' | 'organisationId'>;
interface Window {
  from: number;
  to: number | null;
}

const overlap = (a: number, b: number, from: number, to: number): number =>
  Math.max(0, Math.min(b, to) - Math.max(a, from));

/** The part of [a, b) under the add-on's windows (each ending no later than `cap`). */
const insideWindows = (a: number, b: number, windows: readonly Window[], cap: number): number =>
  windows.reduce((sum, w) => sum + overlap(a, b, w.from, Math.min(w.to ?? Number.POSITIVE_INFINITY, cap)), 0);

interface MinuteFacts {
  addOn: boolean;
  addOnEndsAt: number | null;
  trialMinutesLeft: number;
  includedMinutes: number;
  usedMinutes: number;
  remainingMinutes: number;
  overrunMinutes: number;
}

export class TelehealthService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly subscriptions: SubscriptionService,
    private readonly options: TelehealthOptions,
  ) {}

  private now(): number {
    return this.options.now();
  }

  // ---- metering -------------------------------------------------------------------------------

  /** A metered call connected (its second party joined). Written at once: a restart keeps it. */
  async connected(call: { id: string; hostId: string; organisationId: string | null; kind: 'guest' | 'group' }) {
    const at = this.now();
    await this.db
      .insertInto('video_sessions')
      .values({
        id: call.id,
        host_id: call.hostId,
        organisation_id: call.organisationId,
        kind: call.kind,
        connected_at: at,
        last_seen_at: at,
        ended_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** The calls in progress in this process, each minute: what a crash would lose is at most that minute. */
  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('video_sessions')
      .set({ last_seen_at: this.now() })
      .where('id', 'in', [...ids])
      .where('ended_at', 'is', null)
      .execute();
  }

  async ended(id: string): Promise<void> {
    await this.close(id, null);
  }

  /** Calls whose process went away end at their last touch (housekeeping). */
  async closeStale(): Promise<number> {
    const stale = await this.db
      .selectFrom('video_sessions')
      .select('id')
      .where('ended_at', 'is', null)
      .where('last_seen_at', '<', this.now() - STALE_MS)
      .execute();
    for (const { id } of stale) await this.close(id, 'last_seen');
    return stale.length;
  }

  /** Ends a call (now, or at its last touch) and splits its time into add-on and trial time, once. */
  private async close(id: string, at: 'last_seen' | null): Promise<void> {
    const session = await this.db
      .selectFrom('video_sessions')
      .selectAll()
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (!session) return;
    const end = at === 'last_seen' ? Number(session.last_seen_at) : this.now();
    const host = await this.db
      .selectFrom('accounts')
      .select('organisation_id')
      .where('id', '=', session.host_id)
      .executeTakeFirst();
    const owner = practiceOf({ id: session.host_id, organisationId: host?.organisation_id ?? null });
    const context = await this.context(owner);
    const windows = await this.windowsOf([session.host_id]);
    const a = Number(session.connected_at);
    const b = Math.max(a, end);
    const inside = insideWindows(a, b, windows.get(session.host_id) ?? [], context.cap);
    const trial = b - a - inside;
    await this.db.transaction().execute(async (trx) => {
      const closed = await trx
        .updateTable('video_sessions')
        .set({ ended_at: b, last_seen_at: b, addon_ms: inside, trial_ms: trial })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      // Whoever closes it (its end, or the housekeeping after a crash) adds it to the totals, once.
      if (Number(closed.numUpdatedRows) !== 1) return;
      if (trial > 0)
        await trx
          .insertInto('telehealth_totals')
          .values({ account_id: session.host_id, trial_ms: trial })
          .onConflict((oc) =>
            oc.column('account_id').doUpdateSet((eb) => ({
              trial_ms: eb(eb.ref('telehealth_totals.trial_ms'), '+', eb.ref('excluded.trial_ms')),
            })),
          )
          .execute();
      if (inside > 0 && context.running)
        await trx
          .insertInto('telehealth_period_usage')
          .values({ account_id: session.host_id, period_start: context.periodStart, addon_ms: inside })
          .onConflict((oc) =>
            oc.columns(['account_id', 'period_start']).doUpdateSet((eb) => ({
              addon_ms: eb(eb.ref('telehealth_period_usage.addon_ms'), '+', eb.ref('excluded.addon_ms')),
            })),
          )
          .execute();
    });
  }

  // ---- usage ----------------------------------------------------------------------------------

  private price(currency: Quote['currency']): number {
    return this.options.telehealth.prices[currency] ?? 0;
  }

  /** The owner's subscription as the minutes see it: running or not, its period, and where add-on time ends. */
  private async context(owner: string) {
    const { row, status } = await this.subscriptions.stateOf(owner);
    const running = (status === 'active' || status === 'past_due') && row.plan !== null;
    return {
      owner,
      row,
      status,
      running,
      periodStart: running ? Number(row.current_period_start) : 0,
      periodEnd: running ? Number(row.current_period_end) : 0,
      // Add-on time ends with the subscription: after it, calls count against the trial minutes again.
      cap: running ? Number.POSITIVE_INFINITY : Number(row.ends_at ?? row.current_period_end ?? this.now()),
    };
  }

  private async windowsOf(ids: readonly string[]): Promise<Map<string, Window[]>> {
    const result = new Map<string, Window[]>();
    if (ids.length === 0) return result;
    const rows = await this.db
      .selectFrom('telehealth_addons')
      .select(['account_id', 'starts_at', 'ends_at'])
      .where('account_id', 'in', [...ids])
      .where('active', '=', 1)
      .execute();
    for (const w of rows) {
      const list = result.get(w.account_id) ?? [];
      list.push({ from: Number(w.starts_at), to: w.ends_at === null ? null : Number(w.ends_at) });
      result.set(w.account_id, list);
    }
    return result;
  }

  /**
   * The minutes of several practitioners of one owner now: ended calls from the running totals (read by
   * key), calls in progress split live.
   */
  private async minutesOf(owner: string, ids: readonly string[]) {
    const now = this.now();
    const context = await this.context(owner);
    const windows = await this.windowsOf(ids);
    const sums = new Map<string, { trialMs: number; periodMs: number }>();
    const sum = (id: string) => {
      let entry = sums.get(id);
      if (!entry) sums.set(id, (entry = { trialMs: 0, periodMs: 0 }));
      return entry;
    };
    if (ids.length > 0) {
      const totals = await this.db
        .selectFrom('telehealth_totals')
        .select(['account_id', 'trial_ms'])
        .where('account_id', 'in', [...ids])
        .execute();
      for (const r of totals) sum(r.account_id).trialMs += Number(r.trial_ms);
      if (context.running) {
        // The period's add-on time: calls that ended in it (a call across a renewal counts in the new period).
        const period = await this.db
          .selectFrom('telehealth_period_usage')
          .select(['account_id', 'addon_ms'])
          .where('account_id', 'in', [...ids])
          .where('period_start', '=', context.periodStart)
          .execute();
        for (const r of period) sum(r.account_id).periodMs += Number(r.addon_ms);
      }
      const open = await this.db
        .selectFrom('video_sessions')
        .select(['host_id', 'connected_at', 'last_seen_at'])
        .where('host_id', 'in', [...ids])
        .where('ended_at', 'is', null)
        .execute();
      for (const s of open) {
        const a = Number(s.connected_at);
        const b = Math.max(a, Number(s.last_seen_at));
        const inside = insideWindows(a, b, windows.get(s.host_id) ?? [], context.cap);
        sum(s.host_id).trialMs += b - a - inside;
        if (context.running) sum(s.host_id).periodMs += inside;
      }
    }
    const { includedMinutes, trialMinutes } = this.options.telehealth;
    const result = new Map<string, MinuteFacts>();
    for (const id of ids) {
      const own = windows.get(id) ?? [];
      const current = context.running ? own.find((w) => w.from <= now && (w.to === null || w.to > now)) : undefined;
      const { trialMs, periodMs } = sums.get(id) ?? { trialMs: 0, periodMs: 0 };
      const trialUsed = Math.ceil(trialMs / MINUTE);
      const used = Math.ceil(periodMs / MINUTE);
      const trialMinutesLeft = Math.max(0, trialMinutes - trialUsed);
      const included = current ? includedMinutes : 0;
      result.set(id, {
        addOn: current !== undefined,
        addOnEndsAt: current?.to ?? null,
        trialMinutesLeft,
        includedMinutes: included,
        usedMinutes: used,
        remainingMinutes: Math.max(0, included - used) + trialMinutesLeft,
        overrunMinutes:
          Math.max(0, trialUsed - trialMinutes) +
          (own.length > 0 && context.running ? Math.max(0, used - includedMinutes) : 0),
      });
    }
    return { context, facts: result };
  }

  /** The minutes of one practitioner now (and the facts the add-on's offer needs). */
  private async minutes(who: Who) {
    const { context, facts } = await this.minutesOf(practiceOf(who), [who.id]);
    return { ...context, ...facts.get(who.id)! };
  }

  private managedBy(profile: Profile): Promise<{ name: string } | null> {
    return this.subscriptions.managedBy(profile);
  }

  async usage(profile: Profile): Promise<TelehealthUsage> {
    const m = await this.minutes(profile);
    const managedBy = await this.managedBy(profile);
    const currency = m.row.currency ? currencySchema.parse(m.row.currency) : await this.currencyOf(profile);
    const plan = m.row.plan && m.row.currency ? planIn(this.options.plans, m.row.plan, currency) : null;
    const perPeriod = this.price(currency) * (plan ? intervalMonths(plan) : 1);
    return {
      trialMinutesLeft: m.trialMinutesLeft,
      includedMinutes: m.includedMinutes,
      usedMinutes: m.usedMinutes,
      remainingMinutes: m.remainingMinutes,
      overrunMinutes: m.overrunMinutes,
      resetsAt: m.addOn ? m.periodEnd : null,
      addOn: m.addOn,
      addOnEndsAt: m.addOnEndsAt,
      blocked: managedBy ? 'managed' : this.blocked(m),
      managedBy,
      priceMinor: this.price(currency),
      proratedMinor: m.running ? prorate(perPeriod, m.periodStart, m.periodEnd, this.now()).amountMinor : null,
      currency,
    };
  }

  private async currencyOf(who: Who): Promise<Quote['currency']> {
    const row = await this.db.selectFrom('accounts').select('country').where('id', '=', who.id).executeTakeFirst();
    return currencyForCountry(row?.country);
  }

  private blocked(m: {
    row: { billing_source: string; provider_method: string | null };
    running: boolean;
  }): TelehealthUsage['blocked'] {
    if (m.row.billing_source === 'apple') return 'apple';
    if (!m.running) return 'trial';
    if (!m.row.provider_method) return 'no_card';
    return null;
  }

  /** The gate of a new consultation or hosted meeting: minutes left, or a clear refusal with the way on. */
  async requireMinutes(profile: Profile): Promise<void> {
    const m = await this.minutes(profile);
    if (m.remainingMinutes > 0) return;
    const managed = (await this.managedBy(profile)) !== null;
    throw new ApiError(402, 'telehealth_minutes_exhausted', 'No video minutes are left', [
      { path: 'telehealth', code: managed ? 'ask_admin' : 'add_telehealth' },
    ]);
  }

  // ---- the add-on -----------------------------------------------------------------------------

  /** Adds Telehealth Pro for one colleague (oneself, or a member by the organisation's admin). */
  private async add(payer: Profile, member: Who, key: string): Promise<void> {
    const m = await this.minutes(member);
    const open = await this.db
      .selectFrom('telehealth_addons')
      .select(['id', 'ends_at'])
      .where('account_id', '=', member.id)
      .where('active', '=', 1)
      .where('starts_at', '<=', this.now())
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', this.now())]))
      .executeTakeFirst();
    if (open && m.running) {
      // Removed but not yet ended: it simply continues, nothing is charged.
      if (open.ends_at !== null)
        await this.db.updateTable('telehealth_addons').set({ ends_at: null }).where('id', '=', open.id).execute();
      return;
    }
    // Another request is paying for it right now (a second admin, a retry with a new key): not twice.
    const paying = await this.db
      .selectFrom('telehealth_addons')
      .innerJoin('payments', 'payments.id', 'telehealth_addons.payment_id')
      .select('telehealth_addons.id')
      .where('telehealth_addons.account_id', '=', member.id)
      .where('telehealth_addons.active', '=', 0)
      .where('payments.status', '=', 'pending')
      .executeTakeFirst();
    if (paying) return;
    const blocked = this.blocked(m);
    if (blocked === 'apple')
      throw new ApiError(409, 'addon_apple_billing', 'A subscription billed through Apple cannot get add-ons');
    if (blocked === 'trial')
      throw new ApiError(409, 'addon_needs_subscription', 'Choose a subscription before adding Telehealth Pro');
    if (blocked === 'no_card') throw new ApiError(409, 'addon_no_card', 'No saved card to charge');
    const currency = currencySchema.parse(m.row.currency);
    const plan = planIn(this.options.plans, m.row.plan!, currency);
    if (!plan) throw new ApiError(409, 'plan_unavailable', 'The plan is no longer on sale');
    const buyer = await this.subscriptions.buyer(payer);
    const share = prorate(this.price(currency) * intervalMonths(plan), m.periodStart, m.periodEnd, this.now());
    const vat = basisPoints(share.amountMinor, buyer.vatRateBp);
    const quote: Quote = {
      plan,
      currency,
      lines: [
        {
          kind: 'proration',
          label: this.options.telehealth.name,
          quantity: 1,
          unitMinor: share.amountMinor,
          amountMinor: share.amountMinor,
          days: { charged: share.charged, of: share.of },
        },
      ],
      seats: 1,
      netMinor: share.amountMinor,
      vatRateBp: buyer.vatRateBp,
      vatMinor: vat,
      totalMinor: share.amountMinor + vat,
      periodStart: this.now(),
      periodEnd: m.periodEnd,
    };
    const charged = await this.subscriptions.chargeSavedCard({
      owner: m.owner,
      accountId: payer.id,
      key: `addon:${member.id}:${key}`,
      purpose: 'addon',
      quote,
      prepare: async (trx, paymentId) => {
        await trx
          .insertInto('telehealth_addons')
          .values({
            id: randomUUID(),
            owner: m.owner,
            account_id: member.id,
            payment_id: paymentId,
            active: 0,
            starts_at: this.now(),
            ends_at: null,
            created_at: this.now(),
          })
          .execute();
      },
    });
    if (charged.status === 'declined')
      throw new ApiError(402, 'card_declined', 'The card was declined; nothing was charged', [
        { path: 'card', code: charged.reason ?? 'card_declined' },
      ]);
  }

  /** Removes it at the period's end (it stays until then, and is not renewed). */
  private async remove(member: Who): Promise<void> {
    const m = await this.minutes(member);
    await this.db
      .updateTable('telehealth_addons')
      .set({ ends_at: m.running ? m.periodEnd : this.now() })
      .where('account_id', '=', member.id)
      .where('active', '=', 1)
      .where('ends_at', 'is', null)
      .execute();
  }

  private async requireOwnManager(profile: Profile): Promise<void> {
    const managedBy = await this.managedBy(profile);
    if (managedBy) throw new ApiError(403, 'subscription_managed', `Your subscription is managed by ${managedBy.name}`);
  }

  async addAddOn(profile: Profile, key: string): Promise<TelehealthUsage> {
    await this.requireOwnManager(profile);
    await this.add(profile, profile, key);
    return this.usage(profile);
  }

  async removeAddOn(profile: Profile): Promise<TelehealthUsage> {
    await this.requireOwnManager(profile);
    await this.remove(profile);
    return this.usage(profile);
  }

  private async member(
    admin: Profile,
    memberId: string,
  ): Promise<{ id: string; name: string; organisationId: string }> {
    if (admin.role !== 'org_admin' || !admin.organisationId)
      throw new ApiError(403, 'forbidden', 'Only an organisation admin may do this');
    const row = await this.db
      .selectFrom('accounts')
      .select(['id', 'name', 'username', 'email', 'organisation_id'])
      .where('id', '=', memberId)
      .where('organisation_id', '=', admin.organisationId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new ApiError(404, 'not_found', 'No such colleague');
    return { id: row.id, name: row.name || row.username || row.email, organisationId: admin.organisationId };
  }

  private async memberUsage(member: { id: string; name: string; organisationId: string }): Promise<MemberUsage> {
    const m = await this.minutes(member);
    return {
      id: member.id,
      name: member.name,
      addOn: m.addOn,
      addOnEndsAt: m.addOnEndsAt,
      usedMinutes: m.usedMinutes,
      remainingMinutes: m.remainingMinutes,
      trialMinutesLeft: m.trialMinutesLeft,
    };
  }

  /** The organisation's usage table: every colleague, with or without the add-on. */
  async members(admin: Profile): Promise<MemberUsage[]> {
    if (admin.role !== 'org_admin' || !admin.organisationId)
      throw new ApiError(403, 'forbidden', 'Only an organisation admin may do this');
    const rows = await this.db
      .selectFrom('accounts')
      .select(['id', 'name', 'username', 'email'])
      .where('organisation_id', '=', admin.organisationId)
      .where('deleted_at', 'is', null)
      .orderBy('name')
      .execute();
    const { facts } = await this.minutesOf(
      `org:${admin.organisationId}`,
      rows.map((r) => r.id),
    );
    return rows.map((r) => {
      const m = facts.get(r.id)!;
      return {
        id: r.id,
        name: r.name || r.username || r.email,
        addOn: m.addOn,
        addOnEndsAt: m.addOnEndsAt,
        usedMinutes: m.usedMinutes,
        remainingMinutes: m.remainingMinutes,
        trialMinutesLeft: m.trialMinutesLeft,
      };
    });
  }

  /** The admin's switch per colleague: on charges the seat pro rata, off ends it at the period end. */
  async setMember(admin: Profile, memberId: string, on: boolean, key: string): Promise<MemberUsage> {
    const member = await this.member(admin, memberId);
    if (on) await this.add(admin, member, key);
    else await this.remove(member);
    return this.memberUsage(member);
  }
}
