/** The numbers of a charge before paying: plan or seats, a voucher's discount, net, VAT, total, period. */
import { useTranslation } from 'react-i18next';
import type { Quote } from '../../../src-preload/contract';
import { money } from './billingModel';
import { uiLocale } from '../time';

export function QuoteTable({ quote }: { quote: Quote }) {
  const { t, i18n } = useTranslation('common');
  const amount = (minor: number) => money(minor, quote.currency, i18n.language);
  const date = (at: number) => new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium' }).format(at);
  return (
    <table className="quote" data-testid="quote">
      <tbody>
        {quote.lines.map((line, i) => (
          <tr key={i} data-testid={`quote-line-${line.kind}`}>
            <td>
              {line.kind === 'voucher'
                ? t('billing.quote.voucher', { code: line.label })
                : line.kind === 'seats'
                  ? t('billing.quote.seats', { name: line.label, count: line.quantity })
                  : line.label}
            </td>
            <td className="num">{amount(line.amountMinor)}</td>
          </tr>
        ))}
        <tr>
          <td>{t('billing.quote.net')}</td>
          <td className="num">{amount(quote.netMinor)}</td>
        </tr>
        <tr>
          <td>{t('billing.quote.vat', { rate: (quote.vatRateBp / 100).toLocaleString(uiLocale(i18n.language)) })}</td>
          <td className="num">{amount(quote.vatMinor)}</td>
        </tr>
        <tr className="total">
          <td>{t('billing.quote.total')}</td>
          <td className="num" data-testid="quote-total">
            {amount(quote.totalMinor)}
          </td>
        </tr>
      </tbody>
      <caption className="hint">
        {t('billing.quote.period', { from: date(quote.periodStart), to: date(quote.periodEnd) })}
      </caption>
    </table>
  );
}
