import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES } from '../../src-preload/contract';
import { isLanguage, LANGUAGE_NAMES } from '../i18n/i18n';

type CodeError = 'codeInvalid' | 'codeNotFound' | 'unreachable';

const CODE = /^\d{9}$/;

export function GuestApp() {
  const { t, i18n } = useTranslation('guest');
  const [code, setCode] = useState('');
  const [error, setError] = useState<CodeError | null>(null);
  const [busy, setBusy] = useState(false);
  const codeId = useId();
  const langId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const digits = code.replace(/\s+/g, '');
    if (!CODE.test(digits)) {
      setError('codeInvalid');
      return;
    }
    setBusy(true);
    try {
      const response = await fetch('/api/guest/redeem', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: digits }),
      });
      setError(response.ok ? null : response.status >= 500 ? 'unreachable' : 'codeNotFound');
    } catch {
      setError('unreachable');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="guest">
      <div className="card">
        <div className="row spread">
          <h1>{t('title')}</h1>
          <div>
            <label htmlFor={langId} className="sr-only">
              {t('language')}
            </label>
            <select
              id={langId}
              data-testid="guest-language"
              value={i18n.language}
              onChange={(e) => isLanguage(e.target.value) && void i18n.changeLanguage(e.target.value)}
            >
              {LANGUAGES.map((lang) => (
                <option key={lang} value={lang} lang={lang}>
                  {LANGUAGE_NAMES[lang]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p>{t('intro')}</p>
        <form onSubmit={submit} noValidate className="field">
          <label htmlFor={codeId}>{t('codeLabel')}</label>
          <div className="row">
            <input
              id={codeId}
              data-testid="guest-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={11}
              value={code}
              aria-invalid={error ? true : undefined}
              onChange={(e) => setCode(e.target.value)}
            />
            <button type="submit" disabled={busy} data-testid="guest-continue">
              {t('continue')}
            </button>
          </div>
          {error && (
            <p className="field-error" role="alert" data-testid="guest-error">
              {t(error)}
            </p>
          )}
        </form>
        <p className="hint">{t('privacy')}</p>
      </div>
    </main>
  );
}
