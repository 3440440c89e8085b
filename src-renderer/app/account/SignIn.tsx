import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { FormError, useCommand } from '../../components/forms';
import { useAppStore } from '../store';
import { RESEND_AFTER_MS, useCountdown } from './useCountdown';

/** Username and password; then the SMS code when two-factor is on. */
export function SignIn() {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const setAccount = useAppStore((s) => s.setAccount);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [codeSentAt, setCodeSentAt] = useState(0);
  const command = useCommand();
  const resend = useCommand();
  const wait = useCountdown(codeSentAt + RESEND_AFTER_MS);
  const ids = { user: useId(), password: useId(), code: useId() };

  const signIn = async (event: FormEvent) => {
    event.preventDefault();
    const state = await command.run(window.clinic.account.signIn({ username, password }));
    if (state) {
      setPassword('');
      setCodeSentAt(Date.now());
      setAccount(state);
    }
  };
  const submitCode = async (event: FormEvent) => {
    event.preventDefault();
    const state = await command.run(window.clinic.account.submitCode({ code }));
    if (state) setAccount(state);
  };

  if (account?.awaitingCode) {
    return (
      <form className="card narrow" onSubmit={submitCode} noValidate data-testid="sign-in-code">
        <h2>{t('account.signIn.codeTitle')}</h2>
        <p>{t('account.signIn.codeText')}</p>
        <div className="field">
          <label htmlFor={ids.code}>{t('account.twoFactor.code')}</label>
          <input
            id={ids.code}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={8}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            data-testid="signin-code"
          />
        </div>
        <FormError error={command.error ?? resend.error} fields={[]} />
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={wait > 0 || resend.busy}
            onClick={async () => {
              if ((await resend.run(window.clinic.account.resendCode())) !== null) setCodeSentAt(Date.now());
            }}
            data-testid="signin-resend"
          >
            {wait > 0 ? t('account.twoFactor.resendIn', { seconds: wait }) : t('account.twoFactor.resend')}
          </button>
          <button type="submit" disabled={command.busy} data-testid="signin-code-submit">
            {t('account.signIn.submit')}
          </button>
        </div>
      </form>
    );
  }

  return (
    <form className="card narrow" onSubmit={signIn} noValidate data-testid="sign-in">
      <h2>{t('account.signIn.title')}</h2>
      <div className="field">
        <label htmlFor={ids.user}>{t('account.username')}</label>
        <input
          id={ids.user}
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          data-testid="signin-username"
        />
      </div>
      <div className="field">
        <label htmlFor={ids.password}>{t('account.password.label')}</label>
        <input
          id={ids.password}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="signin-password"
        />
      </div>
      <FormError error={command.error} fields={[]} />
      <div className="actions">
        <button type="submit" disabled={command.busy} data-testid="signin-submit">
          {t('account.signIn.submit')}
        </button>
      </div>
    </form>
  );
}

/** A practice signs itself up with its e-mail address (optionally into an organisation by its ID). */
export function SignUp() {
  const { t } = useTranslation('common');
  const [email, setEmail] = useState('');
  const [organisationCode, setOrganisationCode] = useState('');
  const [sent, setSent] = useState(false);
  const command = useCommand();
  const ids = { email: useId(), org: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSent((await command.run(window.clinic.account.signUp({ email, organisationCode }))) !== null);
  };
  return (
    <form className="card narrow" onSubmit={submit} noValidate data-testid="sign-up">
      <h2>{t('account.signUp.title')}</h2>
      <p>{t('account.signUp.text')}</p>
      <div className="field">
        <label htmlFor={ids.email}>{t('account.email')}</label>
        <input
          id={ids.email}
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="signup-email"
        />
      </div>
      <div className="field">
        <label htmlFor={ids.org}>{t('account.signUp.organisation')}</label>
        <input
          id={ids.org}
          value={organisationCode}
          onChange={(e) => setOrganisationCode(e.target.value)}
          placeholder="ABCD-2345"
          data-testid="signup-organisation"
        />
        <p className="hint">{t('account.signUp.organisationHint')}</p>
      </div>
      <FormError error={command.error} fields={[]} />
      {sent && (
        <p className="saved" role="status" data-testid="signup-sent">
          {t('account.signUp.sent', { email })}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={command.busy} data-testid="signup-submit">
          {t('account.signUp.submit')}
        </button>
      </div>
    </form>
  );
}

/** The e-mailed link pasted (or opened through clinicdesk://, which fills it in). */
export function LinkForm({ onOpen }: { onOpen: (link: string) => void }) {
  const { t } = useTranslation('common');
  const [link, setLink] = useState('');
  const id = useId();
  return (
    <form
      className="card narrow"
      onSubmit={(event) => {
        event.preventDefault();
        onOpen(link);
      }}
      noValidate
    >
      <h2>{t('account.link.title')}</h2>
      <div className="field">
        <label htmlFor={id}>{t('account.link.label')}</label>
        <input id={id} value={link} onChange={(e) => setLink(e.target.value)} data-testid="link-input" />
        <p className="hint">{t('account.link.hint')}</p>
      </div>
      <div className="actions">
        <button type="submit" data-testid="link-submit">
          {t('account.link.open')}
        </button>
      </div>
    </form>
  );
}
