/**
 * SMS credits: each tenant (Mandant) of a practice has a ledger of credits; one credit pays one SMS part.
 * Balances, packs and orders for the desktop; transfers and adjustments for the service desk. Amounts are
 * whole credits, prices integer minor units with their currency.
 */
import { z } from 'zod';
import { route } from './route';

export const CURRENCIES = ['CHF', 'EUR', 'SEK', 'DKK'] as const;
export const currencySchema = z.enum(CURRENCIES);
export type Currency = z.infer<typeof currencySchema>;

const uuid = z.string().regex(/^[0-9a-f-]{36}$/, { message: 'id_invalid' });
/** A whole, positive number of credits: never a fraction, never negative (a debit is the ledger's own). */
export const creditAmountSchema = z
  .number({ message: 'amount_invalid' })
  .int({ message: 'amount_invalid' })
  .min(1, { message: 'amount_invalid' })
  .max(10_000_000, { message: 'amount_invalid' });

export const packSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  credits: z.number().int().min(1),
  priceMinor: z.number().int().min(0),
  currency: currencySchema,
});
export type CreditPack = z.infer<typeof packSchema>;

export const tenantBalanceSchema = z.object({
  tenantId: z.string(),
  name: z.string(),
  balance: z.number().int().min(0),
});

export const ledgerKindSchema = z.enum([
  'purchase',
  'debit',
  'refund',
  'transfer_in',
  'transfer_out',
  'adjustment',
  'import',
]);
export const ledgerEntrySchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: ledgerKindSchema,
  amount: z.number().int(),
  messageId: z.string().nullable(),
  reference: z.string().nullable(),
  note: z.string(),
  createdAt: z.number().int(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

const practiceIdSchema = z.string().regex(/^(org|acct):[0-9a-f-]{36}$/, { message: 'practice_invalid' });

export const creditRoutes = {
  /** The caller's practice: each tenant's balance, and the packs on sale in the practice's currency. */
  balances: route('GET', '/api/credits', {
    answer: z.object({
      tenants: z.array(tenantBalanceSchema),
      packs: z.array(packSchema),
      held: z.number().int().min(0),
    }),
  }),
  /** A tenant's ledger, newest first. */
  ledger: route('GET', '/api/credits/:tenantId/ledger', {
    params: z.object({ tenantId: uuid }).strict(),
    query: z
      .object({ limit: z.coerce.number().int().min(1).max(500).default(100) })
      .strict()
      .optional(),
    answer: z.object({ entries: z.array(ledgerEntrySchema) }),
  }),
  /**
   * Orders a pack for a tenant. The idempotency key makes a double click or a retried request one order.
   * Until card payment exists (issue 11) the order is recorded and invoiced, and its credits are booked.
   */
  order: route('POST', '/api/credits/orders', {
    body: z
      .object({
        tenantId: uuid,
        pack: z.string().regex(/^[a-z0-9-]{1,40}$/, { message: 'pack_invalid' }),
        idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'key_invalid' }),
      })
      .strict(),
    answer: z.object({ orderId: z.string(), balance: z.number().int(), status: z.enum(['recorded', 'paid']) }),
    status: 201,
  }),
  /** Service desk: the balances of any practice. */
  adminBalances: route('GET', '/api/admin/credits', {
    query: z.object({ practice: practiceIdSchema }).strict(),
    answer: z.object({ tenants: z.array(tenantBalanceSchema) }),
  }),
  /** Service desk: moves credits from one tenant to another (also of another practice), in both ledgers. */
  transfer: route('POST', '/api/admin/credits/transfer', {
    body: z
      .object({
        from: z.object({ practice: practiceIdSchema, tenantId: uuid }).strict(),
        to: z.object({ practice: practiceIdSchema, tenantId: uuid }).strict(),
        amount: creditAmountSchema,
        note: z.string().max(500).default(''),
        idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'key_invalid' }),
      })
      .strict(),
    answer: z.object({ from: z.number().int(), to: z.number().int() }),
  }),
  /** Service desk: a correction, added or taken (never below zero), with the reason. */
  adjust: route('POST', '/api/admin/credits/adjust', {
    body: z
      .object({
        practice: practiceIdSchema,
        tenantId: uuid,
        amount: z
          .number({ message: 'amount_invalid' })
          .int({ message: 'amount_invalid' })
          .refine((n) => n !== 0 && Math.abs(n) <= 10_000_000, { message: 'amount_invalid' }),
        note: z.string().min(1, { message: 'note_required' }).max(500),
        idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'key_invalid' }),
      })
      .strict(),
    answer: z.object({ balance: z.number().int() }),
  }),
};
