import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useAppStore } from '../store';
import { RESEND_AFTER_MS, useCountdown } from './useCountdown';

const COUNTRIES = ['DE', 'AT', 'CH', 'SE', 'DK', 'NO', 'FI', 'NL', 'GB', 'IE', 'FR', 'US'] as const;

/**
 * Switching SMS two-factor on, or changing its number while it is on (`change`: the password is asked
 * too): a mobile number, an 8-digit code to it, the code back. The old number keeps working until then.
 */
export function TwoFactorSetup({
  onDone,
  onLater,
  change = false,
}: {
  onDone: () => void;
  onLater?: () => void;
  change?: boolean;
}) {
  const { t } = useTranslation('common');
  const setAccount = useAppStore((s) => s.setAccount);
  const [phone, setPhone] = useState('');
  const [country, setCountry] = useState('DE');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [sentAt, setSentAt] = useState<number | null>(null);
  const send = useCommand();
  const confirm = useCommand();
  const wait = useCountdown((sentAt ?? 0) + RESEND_AFTER_MS);
  const ids = { phone: useId(), country: useId(), code: useId(), password: useId() };

  const sendCode = async (event?: FormEvent) => {
    event?.preventDefault();
    const done = await send.run(
      window.clinic.account.startTwoFactor({ phone, country, ...(change ? { password } : {}) }),
    );
    if (done !== null) setSentAt(Date.now());
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const state = await confirm.run(window.clinic.account.confirmTwoFactor({ code }));
    if (state) {
      setAccount(state);
      onDone();
    }
  };

  return (
    <div className="stack" data-testid="two-factor-setup">
      <form className="form-grid two" onSubmit={sendCode} noValidate>
        <div className="field">
          <label htmlFor={ids.country}>{t('account.twoFactor.country')}</label>
          <select
            id={ids.country}
            value={country}
            onChange={(e) => setCountry(e.target.value)}
            data-testid="tf-country"
          >
            {COUNTRIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.phone}>{t('account.twoFactor.phone')}</label>
          <input
            id={ids.phone}
            type="tel"
            autoComplete="tel"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            data-testid="tf-phone"
          />
          <FieldError error={send.error} field="phone" />
        </div>
        {change && (
          <div className="field">
            <label htmlFor={ids.password}>{t('account.password.current')}</label>
            <input
              id={ids.password}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="tf-password"
            />
            <FieldError error={send.error} field="password" />
          </div>
        )}
        <div className="actions span">
          {onLater && (
            <button type="button" className="secondary" onClick={onLater} data-testid="tf-later">
              {t('account.twoFactor.later')}
            </button>
          )}
          <button type="submit" disabled={send.busy || (sentAt !== null && wait > 0)} data-testid="tf-send">
            {sentAt === null
              ? t('account.twoFactor.send')
              : wait > 0
                ? t('account.twoFactor.resendIn', { seconds: wait })
                : t('account.twoFactor.resend')}
          </button>
        </div>
        <FormError error={send.error} fields={['phone', 'password']} />
      </form>
      {sentAt !== null && (
        <form className="field" onSubmit={submit} noValidate>
          <label htmlFor={ids.code}>{t('account.twoFactor.code')}</label>
          <div className="row">
            <input
              id={ids.code}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={8}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              data-testid="tf-code"
            />
            <button type="submit" disabled={confirm.busy} data-testid="tf-confirm">
              {t('account.twoFactor.confirm')}
            </button>
          </div>
          <p className="hint">{t('account.twoFactor.sent')}</p>
          <FieldError error={confirm.error} />
        </form>
      )}
    </div>
  );
}
