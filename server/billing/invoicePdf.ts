/**
 * An invoice as PDF (pdf-lib: no browser, no native code), rendered from the invoice's row, which is the
 * legal record (customer snapshot, lines, totals); the same row always gives the same content. Amounts
 * are formatted from integer minor units as decimal strings, never through a float.
 */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { z } from 'zod';
import { invoiceLineSchema } from '../../protocol/billing';
import type { InvoicesTable } from '../db/schema';
import { invoiceTranslator } from '../mail/mailTexts';
import type { Selectable } from 'kysely';

const customerSchema = z.object({
  name: z.string().nullable(),
  email: z.string().nullable(),
  address: z.string().nullable(),
  postcode: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  organisation: z.string().nullable(),
});

/** "12.34" for 1234 minor units: Intl formats a decimal string exactly. */
const decimal = (minor: number): string => {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};

export async function invoicePdf(invoice: Selectable<InvoicesTable>): Promise<Uint8Array> {
  const { lng, t } = invoiceTranslator(invoice.language);
  const money = new Intl.NumberFormat(lng, { style: 'currency', currency: invoice.currency });
  // WinAnsi (the standard fonts) has no narrow no-break space or minus sign: plain ones instead.
  const amount = (minor: number) =>
    money
      .format(decimal(Number(minor)) as unknown as number)
      .replace(/[\u202f\u00a0]/g, ' ')
      .replace(/\u2212/g, '-');
  const date = (at: number) => new Intl.DateTimeFormat(lng, { dateStyle: 'long', timeZone: 'UTC' }).format(at);
  const customer = customerSchema.parse(JSON.parse(invoice.customer));
  const lines = z.array(invoiceLineSchema).parse(JSON.parse(invoice.lines));

  const doc = await PDFDocument.create();
  doc.setTitle(`${t('title')} ${invoice.number}`);
  doc.setCreator('ClinicDesk');
  const page = doc.addPage([595.28, 841.89]); // A4
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  let y = 780;
  const text = (value: string, x: number, size = 10, font = regular) => page.drawText(value, { x, y, size, font });
  const right = (value: string, edge: number, size = 10, font = regular) =>
    page.drawText(value, { x: edge - font.widthOfTextAtSize(value, size), y, size, font });

  page.drawText(t('title'), { x: 56, y, size: 22, font: bold, color: rgb(0.1, 0.2, 0.4) });
  y -= 30;
  for (const part of [
    customer.organisation,
    customer.name,
    customer.address,
    [customer.postcode, customer.city].filter(Boolean).join(' '),
    customer.country,
  ].filter((p): p is string => Boolean(p))) {
    text(part, 56);
    y -= 14;
  }
  y -= 10;
  text(t('number', { number: invoice.number }), 56, 10, bold);
  y -= 14;
  text(t('date', { date: date(Number(invoice.issued_at)) }), 56);
  y -= 14;
  if (invoice.period_start !== null && invoice.period_end !== null) {
    text(t('period', { from: date(Number(invoice.period_start)), to: date(Number(invoice.period_end)) }), 56);
    y -= 14;
  }
  y -= 20;
  for (const line of lines) {
    const label =
      line.kind === 'seats'
        ? t('seats', { name: line.label, count: line.quantity })
        : line.kind === 'voucher'
          ? t('voucher', { code: line.label })
          : line.kind === 'proration' && line.days
            ? t('proration', { name: line.label, count: line.quantity, days: line.days.charged, of: line.days.of })
            : line.label;
    text(label, 56);
    right(amount(line.amountMinor), 540);
    y -= 16;
  }
  y -= 8;
  page.drawLine({ start: { x: 56, y: y + 10 }, end: { x: 540, y: y + 10 }, thickness: 0.5 });
  text(t('net'), 56);
  right(amount(Number(invoice.net_minor)), 540);
  y -= 16;
  text(
    t('vat', { rate: new Intl.NumberFormat(lng, { maximumFractionDigits: 2 }).format(invoice.vat_rate_bp / 100) }),
    56,
  );
  right(amount(Number(invoice.vat_minor)), 540);
  y -= 18;
  text(t('total'), 56, 12, bold);
  right(amount(Number(invoice.total_minor)), 540, 12, bold);
  y -= 40;
  text(t('paid'), 56);
  return doc.save();
}
