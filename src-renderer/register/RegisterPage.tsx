/**
 * `/register/<token>`: opens the app through clinicdesk://, or — where the app is not installed — lets the
 * user register in the browser: username and password, then the edition's steps (service PIN, two-factor,
 * visibility) in the server's order, then done. The same server routes and rules as the app's wizard.
 */
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError } from '../../src-preload/contract';
import { FieldError, FormError } from '../components/forms';
import { errorText } from '../i18n/errors';
import { PasswordRules } from '../app/account/PasswordRules';
import { asFormError, RegistrationClient, type RegistrationInfo, type RegistrationStep } from './registration';

type Stage = 'choose' | 'credentials' | RegistrationStep | 'done';

/** Runs one server call for a form: busy while it runs, the translated error after it failed. */
function useAction() {
  const [error, setError] = useState<BridgeError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    try {
      await action();
      setError(null);
      return true;
    } catch (caught) {
      setError(asFormError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

export function RegisterPage({ token }: { token: string }) {
  const { t } = useTranslation('common');
  const client = useMemo(() => new RegistrationClient(token), [token]);
  const [info, setInfo] = useState<RegistrationInfo | null>(null);
  const [linkError, setLinkError] = useState<BridgeError | null>(null);
  const [stage, setStage] = useState<Stage>('choose');
  const [licence, setLicence] = useState(true);
  const finish = useAction();

  useEffect(() => {
    client.inspect().then(setInfo, (error: unknown) => setLinkError(asFormError(error)));
  }, [client]);

  if (linkError) {
    return (
      <Page>
        <div role="alert" data-testid="link-error">
          <p className="field-error">{errorText(t, linkError)}</p>
          <p>{t('account.link.askAdmin')}</p>
        </div>
      </Page>
    );
  }
  if (!info) return <Page>{<p className="hint">{t('common.loading')}</p>}</Page>;

  const next = async (from: Stage) => {
    const following =
      from === 'credentials' ? info.steps[0] : info.steps[info.steps.indexOf(from as RegistrationStep) + 1];
    if (following) return setStage(following);
    await finish.run(async () => {
      setLicence((await client.finish()).licence);
      setStage('done');
    });
  };

  const order: Stage[] = ['credentials', ...info.steps, 'done'];
  return (
    <Page>
      <p>
        {info.organisationName
          ? t('account.wizard.forOrganisation', { email: info.email, organisation: info.organisationName })
          : t('account.wizard.forEmail', { email: info.email })}
      </p>
      {stage !== 'choose' && (
        <ol className="steps" aria-label={t('account.wizard.progress')}>
          {order.map((s) => (
            <li key={s} aria-current={s === stage ? 'step' : undefined} className={s === stage ? 'current' : ''}>
              {t(`account.wizard.step.${s}`)}
            </li>
          ))}
        </ol>
      )}
      {stage === 'choose' && (
        <div className="actions column" data-testid="register-choose">
          <a className="button" href={client.appLink} data-testid="open-app">
            {t('account.web.openApp')}
          </a>
          <button
            type="button"
            className="secondary"
            data-testid="continue-browser"
            onClick={() => setStage('credentials')}
          >
            {t('account.web.continueHere')}
          </button>
          <p className="hint">{t('account.web.noApp')}</p>
        </div>
      )}
      {stage === 'credentials' && (
        <CredentialsStep client={client} info={info} onDone={() => void next('credentials')} />
      )}
      {stage === 'pin' && <PinStep client={client} onDone={() => void next('pin')} />}
      {stage === 'twoFactor' && <TwoFactorStep client={client} onDone={() => void next('twoFactor')} />}
      {stage === 'visibility' && <VisibilityStep client={client} onDone={() => void next('visibility')} />}
      <FormError error={finish.error} fields={[]} />
      {stage === 'done' && (
        <div role="status" data-testid="register-done">
          <p>{licence ? t('account.wizard.done') : t('account.wizard.awaitingLicence')}</p>
          <p>{t('account.web.signInInApp')}</p>
          <a className="button" href="clinicdesk://">
            {t('account.web.openApp')}
          </a>
        </div>
      )}
    </Page>
  );
}

function Page({ children }: { children: ReactNode }) {
  const { t } = useTranslation('common');
  return (
    <main className="card narrow wizard" data-testid="register-page">
      <h1>{t('account.wizard.title')}</h1>
      {children}
    </main>
  );
}

function CredentialsStep({
  client,
  info,
  onDone,
}: {
  client: RegistrationClient;
  info: RegistrationInfo;
  onDone: () => void;
}) {
  const { t } = useTranslation('common');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMismatch(password !== repeat);
    if (password !== repeat) return;
    if (await action.run(() => client.register(username, password))) onDone();
  };
  return (
    <form onSubmit={submit} noValidate className="form-grid">
      <label>
        {t('account.username')}
        <input
          data-testid="web-username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <FieldError error={action.error} field="username" />
      </label>
      <label>
        {t('account.password.label')}
        <input
          data-testid="web-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <FieldError error={action.error} field="password" />
      </label>
      <PasswordRules
        password={password}
        rules={info.passwordPolicy.rules}
        minLength={info.passwordPolicy.minLength}
        personal={[username, info.email.split('@')[0] ?? '']}
      />
      <label>
        {t('account.password.repeat')}
        <input
          data-testid="web-repeat"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
        />
        {mismatch && <p className="field-error">{t('errors.field.password_mismatch')}</p>}
      </label>
      <FormError error={action.error} fields={['username', 'password']} />
      <div className="actions">
        <button type="submit" disabled={action.busy} data-testid="web-create">
          {t('account.wizard.create')}
        </button>
      </div>
    </form>
  );
}

function PinStep({ client, onDone }: { client: RegistrationClient; onDone: () => void }) {
  const { t } = useTranslation('common');
  const [pin, setPin] = useState<string | null>(null);
  const [own, setOwn] = useState('');
  const [kept, setKept] = useState(false);
  const action = useAction();
  const draw = (chosen?: string) => action.run(async () => setPin(await client.createPin(chosen)));
  return (
    <form
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        if (pin && kept && (await action.run(() => client.confirmPin()))) onDone();
      }}
    >
      <p>{t('account.pin.text')}</p>
      {pin ? (
        <p className="pin" data-testid="web-pin" aria-live="polite">{`${pin.slice(0, 4)} ${pin.slice(4)}`}</p>
      ) : (
        <div className="form-grid">
          <button type="button" data-testid="web-pin-draw" disabled={action.busy} onClick={() => void draw()}>
            {t('account.pin.generate')}
          </button>
          <label>
            {t('account.pin.own')}
            <input
              data-testid="web-pin-own"
              inputMode="numeric"
              maxLength={8}
              value={own}
              onChange={(e) => setOwn(e.target.value.replace(/\D/g, ''))}
            />
            <FieldError error={action.error} field="pin" />
          </label>
          <button type="button" className="secondary" disabled={action.busy} onClick={() => void draw(own)}>
            {t('account.pin.useOwn')}
          </button>
        </div>
      )}
      {pin && (
        <>
          <label className="check">
            <input
              type="checkbox"
              data-testid="web-pin-kept"
              checked={kept}
              onChange={(e) => setKept(e.target.checked)}
            />
            {t('account.pin.kept')}
          </label>
          <div className="actions">
            <button type="submit" disabled={!kept || action.busy} data-testid="web-pin-next">
              {t('account.wizard.next')}
            </button>
          </div>
        </>
      )}
      <FormError error={action.error} fields={['pin']} />
    </form>
  );
}

function TwoFactorStep({ client, onDone }: { client: RegistrationClient; onDone: () => void }) {
  const { t } = useTranslation('common');
  const [phone, setPhone] = useState('');
  const [country, setCountry] = useState('DE');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const action = useAction();
  return (
    <form
      noValidate
      className="form-grid"
      onSubmit={async (event) => {
        event.preventDefault();
        if (!sent) setSent(await action.run(() => client.startTwoFactor(phone, country)));
        else if (await action.run(() => client.confirmTwoFactor(code))) onDone();
      }}
    >
      <p>{t('account.wizard.twoFactorText')}</p>
      <div className="row">
        <label>
          {t('account.twoFactor.country')}
          <select value={country} onChange={(e) => setCountry(e.target.value)} disabled={sent}>
            {['DE', 'AT', 'CH', 'SE', 'DK', 'GB'].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('account.twoFactor.phone')}
          <input data-testid="web-phone" value={phone} disabled={sent} onChange={(e) => setPhone(e.target.value)} />
          <FieldError error={action.error} field="phone" />
        </label>
      </div>
      {sent && (
        <label>
          {t('account.twoFactor.code')}
          <input
            data-testid="web-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
          />
          <span className="hint">{t('account.twoFactor.sent')}</span>
        </label>
      )}
      <FormError error={action.error} fields={['phone']} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onDone} data-testid="web-2fa-later">
          {t('account.twoFactor.later')}
        </button>
        <button type="submit" disabled={action.busy} data-testid="web-2fa-submit">
          {sent ? t('account.twoFactor.confirm') : t('account.twoFactor.send')}
        </button>
      </div>
    </form>
  );
}

function VisibilityStep({ client, onDone }: { client: RegistrationClient; onDone: () => void }) {
  const { t } = useTranslation('common');
  const [searchable, setSearchable] = useState(false);
  const action = useAction();
  return (
    <form
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        if (await action.run(() => client.setSearchable(searchable))) onDone();
      }}
    >
      <p>{t('account.visibility.text')}</p>
      <label className="check">
        <input
          type="checkbox"
          data-testid="web-searchable"
          checked={searchable}
          onChange={(e) => setSearchable(e.target.checked)}
        />
        {t('account.visibility.label')}
      </label>
      <FormError error={action.error} fields={[]} />
      <div className="actions">
        <button type="submit" disabled={action.busy} data-testid="web-visibility-next">
          {t('account.wizard.next')}
        </button>
      </div>
    </form>
  );
}
