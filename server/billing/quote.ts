/**
 * What a charge is made of: the plan (per seat for organisations) for one period, a voucher's discount,
 * VAT on the net amount at the customer's country's rate, and the total. Pure, so that the checkout's
 * preview, the charge and the invoice are the same numbers.
 */
import type { InvoiceLine, Plan, Quote } from '../../protocol/billing';
import { addMonths, basisPoints, intervalMonths } from './plans';

export interface VoucherTerms {
  code: string;
  kind: 'percent' | 'amount' | 'months';
  value: number;
}

export function computeQuote(input: {
  plan: Plan;
  seats: number;
  vatRateBp: number;
  start: number;
  voucher?: VoucherTerms | null;
  /** More lines of the same period (the add-on's seats at a renewal); a voucher does not reduce them. */
  extras?: InvoiceLine[];
}): Quote {
  const { plan, vatRateBp, start, voucher } = input;
  const seats = plan.perSeat ? Math.max(1, input.seats) : 1;
  // A months voucher makes the first period that many months long, all of them free.
  const months = voucher?.kind === 'months' ? voucher.value : intervalMonths(plan);
  const periods = voucher?.kind === 'months' ? voucher.value : 1;
  const subtotal = plan.priceMinor * seats * periods;
  const lines: InvoiceLine[] = [
    {
      kind: plan.perSeat ? 'seats' : 'plan',
      label: plan.name,
      quantity: seats * periods,
      unitMinor: plan.priceMinor,
      amountMinor: subtotal,
      months,
    },
  ];
  let discount = 0;
  if (voucher?.kind === 'percent') discount = basisPoints(subtotal, voucher.value);
  else if (voucher?.kind === 'amount') discount = Math.min(voucher.value, subtotal);
  else if (voucher?.kind === 'months') discount = subtotal;
  if (voucher)
    lines.push({
      kind: 'voucher',
      label: voucher.code,
      quantity: 1,
      unitMinor: -discount,
      amountMinor: -discount,
      ...(voucher.kind === 'months' ? { months: voucher.value } : {}),
    });
  for (const extra of input.extras ?? []) lines.push(extra);
  const net = subtotal - discount + (input.extras ?? []).reduce((sum, l) => sum + l.amountMinor, 0);
  const vat = basisPoints(net, vatRateBp);
  return {
    plan,
    currency: plan.currency,
    lines,
    seats,
    netMinor: net,
    vatRateBp,
    vatMinor: vat,
    totalMinor: net + vat,
    periodStart: start,
    periodEnd: addMonths(start, months),
  };
}
