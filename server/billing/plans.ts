/**
 * Plans, prices, VAT and periods: pure functions over the server configuration. Money is integer minor
 * units; percentages are basis points; rounding is half up to the minor unit, once per amount.
 */
import type { Plan } from '../../protocol/billing';
import type { Currency } from '../../protocol/credits';
import type { ServerConfig } from '../config';

export type PlanConfigs = ServerConfig['billingPlans'];

const CURRENCY_BY_COUNTRY: Record<string, Currency> = { CH: 'CHF', LI: 'CHF', SE: 'SEK', DK: 'DKK' };

/** A practice's currency from its country: francs, crowns, or euros for everyone else. */
export const currencyForCountry = (country: string | null | undefined): Currency =>
  (country && CURRENCY_BY_COUNTRY[country]) || 'EUR';

export const vatRateFor = (rates: Record<string, number>, country: string | null | undefined): number =>
  (country && rates[country]) || 0;

/** `amount × bp / 10 000`, rounded half up (amounts are never negative here). */
export const basisPoints = (amount: number, bp: number): number => Math.floor((amount * bp + 5000) / 10_000);

/** The plan as sold in one currency, or null where it has no price in that currency. */
export function planIn(plans: PlanConfigs, id: string, currency: Currency): Plan | null {
  const plan = Object.hasOwn(plans, id) ? plans[id] : undefined;
  const price = plan?.prices[currency];
  if (!plan || price === undefined) return null;
  return {
    id,
    name: plan.name,
    interval: plan.interval,
    priceMinor: price,
    currency,
    perSeat: plan.perSeat,
    minimumTermMonths: plan.minimumTermMonths,
    noticeDays: plan.noticeDays,
    audience: plan.audience,
  };
}

export const plansFor = (plans: PlanConfigs, audience: Plan['audience'], currency: Currency): Plan[] =>
  Object.keys(plans)
    .map((id) => planIn(plans, id, currency))
    .filter((plan): plan is Plan => plan !== null && plan.audience === audience);

export const intervalMonths = (plan: Pick<Plan, 'interval'>): number => (plan.interval === 'year' ? 12 : 1);

/** Calendar months later, at the same time of day; 31 January + 1 month is the last day of February. */
export function addMonths(at: number, months: number): number {
  const date = new Date(at);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const last = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, last));
  return date.getTime();
}

const DAY = 86_400_000;

/**
 * The charge for the rest of a period: `price × days left / days of the period`, both counted in whole
 * days (a day begun counts as left), rounded half up to the minor unit.
 */
export function prorate(priceMinor: number, periodStart: number, periodEnd: number, now: number) {
  const of = Math.max(1, Math.round((periodEnd - periodStart) / DAY));
  const charged = Math.min(of, Math.max(0, Math.ceil((periodEnd - now) / DAY)));
  return { amountMinor: Math.floor((priceMinor * charged * 2 + of) / (2 * of)), charged, of };
}
