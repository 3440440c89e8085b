/**
 * Subscriptions, payment, vouchers and invoices (issue 11), for the desktop and the server. Money is
 * integer minor units with its currency; VAT rates are basis points (8.1 % = 810); instants are epoch ms.
 *
 * The server serves every route here; the desktop reaches them through the `billing` commands.
 */
import { z } from 'zod';
import { currencySchema } from './credits';
import { instantSchema, passwordSchema } from './primitives';
import { route } from './route';

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'canceled', 'expired', 'past_due'] as const;
export const subscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);
export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;

export const planIdSchema = z.string().regex(/^[a-z0-9-]{1,40}$/, { message: 'plan_invalid' });
const minor = z.number().int();

export const planSchema = z.object({
  id: planIdSchema,
  name: z.string(),
  interval: z.enum(['month', 'year']),
  priceMinor: minor.min(0),
  currency: currencySchema,
  /** Organisation plans are priced per seat (each licensed colleague). */
  perSeat: z.boolean(),
  minimumTermMonths: z.number().int().min(0),
  noticeDays: z.number().int().min(0),
  audience: z.enum(['individual', 'organisation']),
});
export type Plan = z.infer<typeof planSchema>;

export const subscriptionSchema = z.object({
  plan: planSchema.nullable(),
  status: subscriptionStatusSchema,
  trialEndsAt: instantSchema,
  currentPeriodEnd: instantSchema.nullable(),
  cancelAtPeriodEnd: z.boolean(),
  /** When the subscription ends, once cancelled (the period end, or the earliest date a term allows). */
  endsAt: instantSchema.nullable(),
  /** Members of an organisation: who manages their subscription (they cannot change it). */
  managedBy: z.object({ name: z.string() }).nullable(),
  /** Whether the caller may change this subscription (the account itself, an organisation's admin). */
  canManage: z.boolean(),
  /** True while the practice may start consultations, invite patients and send messages. */
  usable: z.boolean(),
  billingSource: z.enum(['card', 'invoice', 'apple']),
  card: z.object({ brand: z.string(), last4: z.string() }).nullable(),
  seats: z.number().int().min(1),
  /** 'test' (the embedded provider: card form in the app) or 'stripe' (Stripe's hosted checkout). */
  provider: z.enum(['test', 'stripe']),
  /** The earliest date a cancellation made now takes effect. */
  earliestEndAt: instantSchema.nullable(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const INVOICE_LINE_KINDS = ['plan', 'seats', 'proration', 'credits', 'voucher'] as const;
export const invoiceLineSchema = z.object({
  kind: z.enum(INVOICE_LINE_KINDS),
  /** What the line is: the plan's name, the voucher's code. */
  label: z.string(),
  quantity: z.number().int(),
  unitMinor: minor,
  amountMinor: minor,
  /** Months covered (plan lines) or free months (a months voucher). */
  months: z.number().int().min(0).optional(),
  /** A proration: the days of the period charged, of all its days (rounded to the day). */
  days: z.object({ charged: z.number().int().min(0), of: z.number().int().min(1) }).optional(),
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

export const quoteSchema = z.object({
  plan: planSchema,
  currency: currencySchema,
  lines: z.array(invoiceLineSchema),
  /** Licensed colleagues charged (1 for a plan not per seat). */
  seats: z.number().int().min(1),
  netMinor: minor,
  vatRateBp: z.number().int().min(0),
  vatMinor: minor,
  totalMinor: minor,
  periodStart: instantSchema,
  periodEnd: instantSchema,
});
export type Quote = z.infer<typeof quoteSchema>;

export const VOUCHER_ERRORS = ['voucher_unknown', 'voucher_expired', 'voucher_used_up', 'voucher_wrong_plan'] as const;
export const voucherCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9-]{3,40}$/, { message: 'voucher_unknown' });

export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'key_invalid' });

/** The test provider's token (see protocol/card.ts), never a card number. */
export const cardTokenSchema = z
  .object({
    token: z.string().regex(/^tok_[A-Za-z0-9]{1,40}$/, { message: 'card_invalid' }),
    brand: z.enum(['visa', 'mastercard', 'amex', 'discover', 'unknown']),
    last4: z.string().regex(/^\d{4}$/),
    expMonth: z.number().int().min(1).max(12),
    expYear: z.number().int().min(2000).max(2200),
  })
  .strict();

export const paymentStateSchema = z.object({
  paymentId: z.string(),
  status: z.enum(['succeeded', 'requires_action', 'redirect', 'pending', 'declined']),
  /** Stripe: the hosted checkout to open in the system browser. */
  url: z.string().optional(),
  subscription: subscriptionSchema,
});
export type PaymentState = z.infer<typeof paymentStateSchema>;

export const invoiceSummarySchema = z.object({
  id: z.string(),
  number: z.string(),
  issuedAt: instantSchema,
  currency: currencySchema,
  totalMinor: minor,
  periodStart: instantSchema.nullable(),
  periodEnd: instantSchema.nullable(),
});
export type InvoiceSummary = z.infer<typeof invoiceSummarySchema>;

export const voucherSchema = z.object({
  code: z.string(),
  kind: z.enum(['percent', 'amount', 'months']),
  /** Basis points (percent: 2000 = 20 %), minor units (amount) or months. */
  value: z.number().int().min(1),
  currency: currencySchema.nullable(),
  validFrom: instantSchema.nullable(),
  validTo: instantSchema.nullable(),
  maxRedemptions: z.number().int().min(1).nullable(),
  redemptions: z.number().int().min(0),
  plans: z.array(planIdSchema),
});
export type Voucher = z.infer<typeof voucherSchema>;

export const voucherCreateSchema = z
  .object({
    code: voucherCodeSchema,
    kind: z.enum(['percent', 'amount', 'months']),
    value: z
      .number({ message: 'amount_invalid' })
      .int({ message: 'amount_invalid' })
      .min(1, { message: 'amount_invalid' }),
    currency: currencySchema.nullable().default(null),
    validFrom: instantSchema.nullable().default(null),
    validTo: instantSchema.nullable().default(null),
    maxRedemptions: z.number().int().min(1).nullable().default(null),
    plans: z.array(planIdSchema).max(50).default([]),
  })
  .strict()
  .refine((v) => v.kind !== 'percent' || v.value <= 10_000, { message: 'amount_invalid', path: ['value'] })
  .refine((v) => v.kind !== 'months' || v.value <= 36, { message: 'amount_invalid', path: ['value'] })
  .refine((v) => v.kind !== 'amount' || v.currency !== null, { message: 'currency_required', path: ['currency'] })
  .refine((v) => v.validFrom === null || v.validTo === null || v.validFrom < v.validTo, {
    message: 'dates_invalid',
    path: ['validTo'],
  });
export type VoucherCreate = z.input<typeof voucherCreateSchema>;

export const billingOverviewSchema = z.object({
  byStatus: z.record(subscriptionStatusSchema, z.number().int()),
  trialsEndingThisWeek: z.array(z.object({ owner: z.string(), name: z.string(), trialEndsAt: instantSchema })),
  revenueByMonth: z.array(z.object({ month: z.string(), currency: currencySchema, totalMinor: minor })),
});
export type BillingOverview = z.infer<typeof billingOverviewSchema>;

export const billingRoutes = {
  subscription: route('GET', '/api/billing/subscription', { answer: subscriptionSchema }),
  /** The plans on sale to the caller (its audience), in its currency, with its VAT rate. */
  plans: route('GET', '/api/billing/plans', {
    answer: z.object({ plans: z.array(planSchema), vatRateBp: z.number().int(), provider: z.enum(['test', 'stripe']) }),
  }),
  /** What a checkout would charge: the checkout shows the voucher's effect before paying. */
  quote: route('POST', '/api/billing/quote', {
    body: z.object({ plan: planIdSchema, voucher: voucherCodeSchema.optional() }).strict(),
    answer: quoteSchema,
  }),
  checkout: route('POST', '/api/billing/checkout', {
    body: z
      .object({
        plan: planIdSchema,
        voucher: voucherCodeSchema.optional(),
        /** The test provider's card token; absent with Stripe (card entry in its hosted checkout). */
        card: cardTokenSchema.optional(),
        idempotencyKey: idempotencyKeySchema,
      })
      .strict(),
    answer: paymentStateSchema,
  }),
  payment: route('GET', '/api/billing/payments/:id', {
    params: z.object({ id: z.uuid({ message: 'id_invalid' }) }).strict(),
    answer: paymentStateSchema,
  }),
  /** The test provider's 3-D Secure step: the cardholder approves or rejects at "the bank". */
  confirm: route('POST', '/api/billing/payments/:id/confirm', {
    params: z.object({ id: z.uuid({ message: 'id_invalid' }) }).strict(),
    body: z.object({ approve: z.boolean() }).strict(),
    answer: paymentStateSchema,
  }),
  cancel: route('POST', '/api/billing/subscription/cancel', { answer: subscriptionSchema }),
  reactivate: route('POST', '/api/billing/subscription/reactivate', { answer: subscriptionSchema }),
  invoices: route('GET', '/api/billing/invoices', { answer: z.object({ invoices: z.array(invoiceSummarySchema) }) }),
  invoicePdf: route('GET', '/api/billing/invoices/:id/pdf', {
    params: z.object({ id: z.uuid({ message: 'id_invalid' }) }).strict(),
    answer: z.object({ filename: z.string(), pdfBase64: z.string() }),
  }),
  /** Deleting the account (with the password): sessions end now, personal data is erased after a stated period. */
  deleteAccount: route('POST', '/api/account/delete', {
    body: z.object({ password: passwordSchema }).strict(),
    answer: z.object({ eraseAt: instantSchema }),
  }),
  adminVouchers: route('GET', '/api/admin/vouchers', { answer: z.object({ vouchers: z.array(voucherSchema) }) }),
  adminCreateVoucher: route('POST', '/api/admin/vouchers', {
    body: voucherCreateSchema,
    answer: voucherSchema,
    status: 201,
  }),
  adminOverview: route('GET', '/api/admin/billing', { answer: billingOverviewSchema }),
};
