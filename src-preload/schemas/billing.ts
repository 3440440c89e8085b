/**
 * Billing commands of the desktop (issue 11): the shapes come from the protocol module the server uses,
 * so a checkout the renderer builds is the one the server accepts. The card itself never crosses: the
 * renderer checks it and sends the test provider's token (brand, last four, expiry) only.
 */
import { z } from 'zod';
import { cardTokenSchema, idempotencyKeySchema, planIdSchema, voucherCodeSchema } from '../../protocol/billing';
import { passwordSchema } from '../../protocol/primitives';

export type {
  BillingOverview,
  InvoiceSummary,
  Voucher,
  VoucherCreate,
  PaymentState,
  Plan,
  Quote,
  Subscription,
  SubscriptionStatus,
} from '../../protocol/billing';
export { SUBSCRIPTION_STATUSES, VOUCHER_ERRORS, voucherCreateSchema } from '../../protocol/billing';

const uuid = z.uuid({ message: 'id_invalid' });

export const quoteInputSchema = z.object({ plan: planIdSchema, voucher: voucherCodeSchema.optional() }).strict();

export const checkoutInputSchema = z
  .object({
    plan: planIdSchema,
    voucher: voucherCodeSchema.optional(),
    card: cardTokenSchema.optional(),
    /** Made when the checkout opens: a double click on "Pay" is the same payment. */
    idempotencyKey: idempotencyKeySchema,
  })
  .strict();

export const paymentInputSchema = z.object({ paymentId: uuid }).strict();
export const confirmInputSchema = z.object({ paymentId: uuid, approve: z.boolean() }).strict();
export const invoiceInputSchema = z.object({ id: uuid }).strict();
export const deleteAccountSchema = z.object({ password: passwordSchema }).strict();
