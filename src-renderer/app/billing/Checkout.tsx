/**
 * Choosing a plan and paying: the plans on sale to this account, the card with live checks (brand, Luhn,
 * expiry, CVC), an optional voucher whose effect the preview shows before paying, then "Pay" — once per
 * checkout however often it is clicked (one idempotency key), with the bank's 3-D Secure question when it
 * asks. With the embedded test provider the form says "test mode"; the card itself stays in this window.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError, PaymentState, Quote } from '../../../src-preload/contract';
import { Dialog } from '../../components/Dialog';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { useNow } from '../../components/useNow';
import { cardFieldState, cardToken, formatCardNumber, money, newPaymentKey } from './billingModel';
import { QuoteTable } from './QuoteTable';

export function Checkout({ onPaid }: { onPaid: () => void }) {
  const { t, i18n } = useTranslation('common');
  const [offer] = useQuery(() => window.clinic.billing.plans(), []);
  const [plan, setPlan] = useState<string | null>(null);
  const [voucher, setVoucher] = useState('');
  const [applied, setApplied] = useState<string | undefined>(undefined);
  const [voucherError, setVoucherError] = useState<BridgeError | null>(null);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [card, setCard] = useState({ number: '', expiry: '', cvc: '' });
  const [key, setKey] = useState(newPaymentKey);
  const [challenge, setChallenge] = useState<PaymentState | null>(null);
  /** Stripe: the payment waiting in the hosted checkout, in the system browser. */
  const [waiting, setWaiting] = useState<string | null>(null);
  const quoting = useCommand();
  const paying = useCommand();
  const ids = { number: useId(), expiry: useId(), cvc: useId(), voucher: useId() };
  const chosen = plan ?? offer?.plans[0]?.id ?? null;
  const now = useNow();

  useEffect(() => {
    if (!chosen) return;
    let live = true;
    const request = window.clinic.billing.quote({ plan: chosen, ...(applied ? { voucher: applied } : {}) });
    void quoting.run(request).then(async (value) => {
      if (!live) return;
      setQuote(value);
      if (value || !applied) return;
      // A voucher that does not apply: its reason stays under the field while the price without it is
      // quoted again (that quote's success must not wipe the reason away).
      const answer = await request;
      if (!live) return;
      if (!answer.ok) setVoucherError(answer.error);
      setApplied(undefined);
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs when plan or voucher change
  }, [chosen, applied]);

  // While the customer pays in the browser, the payment is asked after every few seconds.
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      void window.clinic.billing.payment({ paymentId: waiting }).then((result) => {
        if (!result.ok || result.value.status === 'redirect' || result.value.status === 'pending') return;
        setWaiting(null);
        if (result.value.status === 'succeeded') onPaid();
        else if (result.value.status === 'requires_action') setChallenge(result.value);
        else setKey(newPaymentKey());
      });
    }, 3000);
    return () => clearInterval(timer);
  }, [waiting, onPaid]);

  if (!offer) return null;
  const hosted = offer.provider === 'stripe';
  const state = cardFieldState(card, now);
  const token = cardToken(card, now);
  const finished = (result: PaymentState | null) => {
    if (result?.status === 'requires_action') return setChallenge(result);
    // In the hosted checkout, or a second click while the first is still with the provider: ask again.
    if (result?.status === 'redirect' || result?.status === 'pending') return setWaiting(result.paymentId);
    setChallenge(null);
    if (result?.status === 'succeeded') {
      onPaid();
      return;
    }
    // Declined or failed: nothing was charged; the next attempt is a new payment.
    setKey(newPaymentKey());
  };
  const pay = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen || (!token && !hosted)) return;
    finished(
      await paying.run(
        window.clinic.billing.checkout({
          plan: chosen,
          ...(applied ? { voucher: applied } : {}),
          ...(hosted || !token ? {} : { card: token }),
          idempotencyKey: key,
        }),
      ),
    );
  };
  const answer = async (approve: boolean) => {
    if (!challenge) return;
    finished(await paying.run(window.clinic.billing.confirm({ paymentId: challenge.paymentId, approve })));
  };

  return (
    <form className="checkout" onSubmit={pay} noValidate data-testid="checkout">
      <h3>{t('billing.checkout.title')}</h3>
      {offer.provider === 'test' && (
        <p className="banner" data-testid="test-mode">
          {t('billing.checkout.testMode')}
        </p>
      )}
      <fieldset className="plans">
        <legend>{t('billing.checkout.plan')}</legend>
        {offer.plans.map((p) => (
          <label key={p.id} className="check">
            <input
              type="radio"
              name="plan"
              value={p.id}
              checked={p.id === chosen}
              onChange={() => setPlan(p.id)}
              data-testid={`plan-${p.id}`}
            />
            {p.name} — {money(p.priceMinor, p.currency, i18n.language)}{' '}
            {t(p.interval === 'year' ? 'billing.perYear' : 'billing.perMonth')}
            {p.perSeat && ` ${t('billing.perSeat')}`}
            {p.minimumTermMonths > 0
              ? ` · ${t('billing.minimumTerm', { count: p.minimumTermMonths })}`
              : ` · ${t('billing.noLockIn')}`}
          </label>
        ))}
      </fieldset>
      {hosted ? (
        <p className="hint">{t('billing.checkout.hosted')}</p>
      ) : (
        <div className="form-grid three">
          <div className="field span">
            <label htmlFor={ids.number}>
              {t('billing.checkout.number')}
              {state.brand !== 'unknown' && (
                <span className="card-brand" data-testid="card-brand">
                  {' '}
                  {t(`billing.brands.${state.brand}`)}
                </span>
              )}
            </label>
            <input
              id={ids.number}
              inputMode="numeric"
              autoComplete="cc-number"
              value={card.number}
              onChange={(e) => setCard({ ...card, number: formatCardNumber(e.target.value) })}
              aria-invalid={state.issues.number ? true : undefined}
              data-testid="card-number"
            />
            <CardIssue issue={state.issues.number} testId="card-number-error" />
          </div>
          <div className="field">
            <label htmlFor={ids.expiry}>{t('billing.checkout.expiry')}</label>
            <input
              id={ids.expiry}
              placeholder={t('billing.checkout.expiryPlaceholder')}
              autoComplete="cc-exp"
              value={card.expiry}
              onChange={(e) => setCard({ ...card, expiry: e.target.value })}
              aria-invalid={state.issues.expiry ? true : undefined}
              data-testid="card-expiry"
            />
            <CardIssue issue={state.issues.expiry} testId="card-expiry-error" />
          </div>
          <div className="field">
            <label htmlFor={ids.cvc}>{t('billing.checkout.cvc')}</label>
            <input
              id={ids.cvc}
              inputMode="numeric"
              autoComplete="cc-csc"
              value={card.cvc}
              onChange={(e) => setCard({ ...card, cvc: e.target.value.replace(/\D/g, '').slice(0, 4) })}
              aria-invalid={state.issues.cvc ? true : undefined}
              data-testid="card-cvc"
            />
            <CardIssue issue={state.issues.cvc} testId="card-cvc-error" />
          </div>
        </div>
      )}
      <div className="field">
        <label htmlFor={ids.voucher}>{t('billing.checkout.voucher')}</label>
        <div className="row">
          <input
            id={ids.voucher}
            value={voucher}
            onChange={(e) => {
              setVoucher(e.target.value);
              setVoucherError(null);
            }}
            data-testid="voucher-code"
          />
          <button
            type="button"
            className="secondary"
            disabled={!voucher.trim() || quoting.busy}
            onClick={() => {
              setVoucherError(null);
              setApplied(voucher.trim());
            }}
            data-testid="voucher-apply"
          >
            {t('billing.checkout.apply')}
          </button>
        </div>
        <FieldError error={voucherError ?? quoting.error} field="voucher" testId="voucher-error" />
      </div>
      {quote && <QuoteTable quote={quote} />}
      <FieldError error={paying.error} field="card" testId="payment-error" />
      <FormError error={paying.error} fields={['card']} />
      <div className="actions">
        <button
          type="submit"
          disabled={(!token && !hosted) || !quote || paying.busy || waiting !== null}
          data-testid="pay"
        >
          {quote
            ? t('billing.checkout.pay', { amount: money(quote.totalMinor, quote.currency, i18n.language) })
            : t('billing.checkout.payPlain')}
        </button>
      </div>
      {waiting && (
        <div className="row spread" role="status" data-testid="checkout-waiting">
          <p>{t(hosted ? 'billing.checkout.waiting' : 'billing.checkout.pending')}</p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setWaiting(null);
              setKey(newPaymentKey());
            }}
          >
            {t('common.cancel')}
          </button>
        </div>
      )}
      {challenge && (
        <Dialog title={t('billing.secure.title')} onClose={() => void answer(false)} testId="three-d-secure">
          <p>{t('billing.secure.text')}</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => void answer(false)} data-testid="secure-reject">
              {t('billing.secure.reject')}
            </button>
            <button type="button" onClick={() => void answer(true)} disabled={paying.busy} data-testid="secure-approve">
              {t('billing.secure.approve')}
            </button>
          </div>
        </Dialog>
      )}
    </form>
  );
}

/** A card field's issue as the user types (brand, Luhn, expiry, CVC), translated. */
function CardIssue({ issue, testId }: { issue: string | undefined; testId: string }) {
  const { t } = useTranslation('common');
  if (!issue) return null;
  return (
    <p className="field-error" role="alert" data-testid={testId}>
      {t(`errors.field.${issue}`)}
    </p>
  );
}
