import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError, RegistrationInfo, RegistrationStep } from '../../../src-preload/contract';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { errorText } from '../../i18n/errors';
import { useAppStore } from '../store';
import { PasswordRules, brokenRules } from './PasswordRules';
import { TwoFactorSetup } from './TwoFactorSetup';

type Stage = 'credentials' | RegistrationStep | 'done';

/**
 * The registration wizard: username and password, then the edition's steps in its order (service PIN,
 * SMS two-factor, contact-search visibility), then done. Opened from a link, or resumed after sign-in when
 * an earlier attempt stopped half-way.
 */
export function RegistrationWizard({ link, onClose }: { link: string | null; onClose: () => void }) {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const setAccount = useAppStore((s) => s.setAccount);
  const [info, setInfo] = useState<RegistrationInfo | null>(null);
  const [linkError, setLinkError] = useState<BridgeError | null>(null);
  const resumed = link === null;
  const [steps, setSteps] = useState<RegistrationStep[]>(account?.profile?.pendingSteps ?? []);
  const [stage, setStage] = useState<Stage>(resumed ? (steps[0] ?? 'done') : 'credentials');
  const finish = useCommand();

  useEffect(() => {
    if (!link) return;
    void window.clinic.account.inspectLink({ link }).then((result) => {
      if (result.ok) {
        setInfo(result.value);
        setSteps(result.value.steps);
      } else setLinkError(result.error);
    });
  }, [link]);

  const next = async (from: Stage) => {
    const index = from === 'credentials' ? 0 : steps.indexOf(from as RegistrationStep) + 1;
    const following = steps[index];
    if (following) {
      setStage(following);
      return;
    }
    const state = await finish.run(window.clinic.account.finishRegistration());
    if (state) {
      setAccount(state);
      setStage('done');
    }
  };

  if (linkError) {
    return (
      <div className="card narrow" role="alert" data-testid="link-error">
        <h2>{t('account.wizard.title')}</h2>
        <p className="field-error">{errorText(t, linkError)}</p>
        <p>{t('account.link.askAdmin')}</p>
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>
            {t('common.back')}
          </button>
        </div>
      </div>
    );
  }
  if (!resumed && !info) return <p className="hint">{t('common.loading')}</p>;

  const order: Stage[] = ['credentials', ...steps, 'done'];
  return (
    <section className="card wizard" data-testid="wizard" aria-labelledby="wizard-title">
      <h2 id="wizard-title">{t('account.wizard.title')}</h2>
      <ol className="steps" aria-label={t('account.wizard.progress')}>
        {order.map((s) => (
          <li key={s} aria-current={s === stage ? 'step' : undefined} className={s === stage ? 'current' : ''}>
            {t(`account.wizard.step.${s}`)}
          </li>
        ))}
      </ol>
      {stage === 'credentials' && info && <CredentialsStep info={info} onDone={() => void next('credentials')} />}
      {stage === 'pin' && <PinStep onDone={() => void next('pin')} />}
      {stage === 'twoFactor' && (
        <div>
          <p>{t('account.wizard.twoFactorText')}</p>
          <TwoFactorSetup onDone={() => void next('twoFactor')} onLater={() => void next('twoFactor')} />
        </div>
      )}
      {stage === 'visibility' && <VisibilityStep onDone={() => void next('visibility')} />}
      {stage === 'done' && (
        <div data-testid="wizard-done">
          <p className="saved">{t('account.wizard.done')}</p>
          {account?.profile && !account.profile.licence && <p>{t('account.wizard.awaitingLicence')}</p>}
          <div className="actions">
            <button type="button" onClick={onClose} data-testid="wizard-close">
              {t('account.wizard.start')}
            </button>
          </div>
        </div>
      )}
      <FormError error={finish.error} fields={[]} />
    </section>
  );
}

function CredentialsStep({ info, onDone }: { info: RegistrationInfo; onDone: () => void }) {
  const { t } = useTranslation('common');
  const setAccount = useAppStore((s) => s.setAccount);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const command = useCommand();
  const ids = { user: useId(), password: useId(), repeat: useId() };
  const personal = [username, info.email.split('@')[0] ?? ''];
  const ready = brokenRules(password, info.passwordPolicy.minLength, personal).size === 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMismatch(password !== repeat);
    if (password !== repeat) return;
    const state = await command.run(window.clinic.account.register({ token: info.token, username, password }));
    if (state) {
      setAccount(state);
      onDone();
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <p>
        {info.organisationName
          ? t('account.wizard.forOrganisation', { email: info.email, organisation: info.organisationName })
          : t('account.wizard.forEmail', { email: info.email })}
      </p>
      <div className="field">
        <label htmlFor={ids.user}>{t('account.username')}</label>
        <input
          id={ids.user}
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          data-testid="reg-username"
        />
        <FieldError error={command.error} field="username" />
      </div>
      <div className="field">
        <label htmlFor={ids.password}>{t('account.password.label')}</label>
        <input
          id={ids.password}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="reg-password"
        />
        <PasswordRules
          password={password}
          rules={info.passwordPolicy.rules}
          minLength={info.passwordPolicy.minLength}
          personal={personal}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.repeat}>{t('account.password.repeat')}</label>
        <input
          id={ids.repeat}
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          aria-invalid={mismatch}
          data-testid="reg-repeat"
        />
        {mismatch && <p className="field-error">{t('errors.field.password_mismatch')}</p>}
      </div>
      <FormError error={command.error} fields={['username']} />
      <div className="actions">
        <button type="submit" disabled={command.busy || !ready} data-testid="reg-submit">
          {t('account.wizard.create')}
        </button>
      </div>
    </form>
  );
}

function PinStep({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation('common');
  const [pin, setPin] = useState<string | null>(null);
  const [kept, setKept] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [own, setOwn] = useState('');
  const draw = useCommand();
  const choose = useCommand();
  const confirm = useCommand();
  const drawn = useRef(false);

  useEffect(() => {
    // Once per mount, also under StrictMode's double effects: each call draws a new PIN.
    if (drawn.current) return;
    drawn.current = true;
    void draw.run(window.clinic.account.createPin()).then((value) => setPin(value?.pin ?? null));
  }, [draw]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!kept) return;
    if (await confirm.run(window.clinic.account.confirmPin())) onDone();
  };

  return (
    <form onSubmit={submit} noValidate>
      <p>{t('account.pin.text')}</p>
      <p className="pin print-area" data-testid="pin-value" aria-live="polite">
        {pin ? `${pin.slice(0, 4)} ${pin.slice(4)}` : '…'}
      </p>
      <div className="row">
        <button
          type="button"
          className="secondary"
          disabled={!pin}
          onClick={async () => {
            await navigator.clipboard.writeText(pin!).then(
              () => setNote(t('account.pin.copied')),
              () => setNote(t('account.pin.copyFailed')),
            );
          }}
          data-testid="pin-copy"
        >
          {t('account.pin.copy')}
        </button>
        <button type="button" className="secondary" disabled={!pin} onClick={() => window.print()}>
          {t('account.pin.print')}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!pin}
          onClick={async () => {
            const saved = await draw.run(window.clinic.account.savePinPdf({ pin: pin! }));
            if (saved?.saved) setNote(t('account.pin.savedPdf'));
          }}
          data-testid="pin-pdf"
        >
          {t('account.pin.pdf')}
        </button>
      </div>
      {note && (
        <p className="hint" role="status">
          {note}
        </p>
      )}
      <details className="own-pin">
        <summary>{t('account.pin.own')}</summary>
        <div className="row">
          <input
            inputMode="numeric"
            autoComplete="off"
            maxLength={8}
            value={own}
            aria-label={t('account.pin.own')}
            onChange={(e) => setOwn(e.target.value.replace(/\D/g, ''))}
            data-testid="pin-own"
          />
          <button
            type="button"
            className="secondary"
            disabled={choose.busy}
            onClick={async () => {
              // The server checks it (8 digits, no sequence or repeat) and replaces the drawn one.
              const chosen = await choose.run(window.clinic.account.createPin({ pin: own }));
              if (chosen) {
                setPin(chosen.pin);
                setOwn('');
                setKept(false);
              }
            }}
            data-testid="pin-own-use"
          >
            {t('account.pin.useOwn')}
          </button>
        </div>
        <FieldError error={choose.error} />
      </details>
      <label className="check">
        <input type="checkbox" checked={kept} onChange={(e) => setKept(e.target.checked)} data-testid="pin-kept" />
        {t('account.pin.kept')}
      </label>
      <FormError error={draw.error ?? confirm.error} fields={[]} />
      <div className="actions">
        <button type="submit" disabled={!kept || !pin || confirm.busy} data-testid="step-next">
          {t('account.wizard.next')}
        </button>
      </div>
    </form>
  );
}

function VisibilityStep({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation('common');
  const [searchable, setSearchable] = useState(false);
  const command = useCommand();
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        if (await command.run(window.clinic.account.updateSettings({ searchable }))) onDone();
      }}
      noValidate
    >
      <p>{t('account.visibility.text')}</p>
      <label className="check">
        <input
          type="checkbox"
          checked={searchable}
          onChange={(e) => setSearchable(e.target.checked)}
          data-testid="visibility-toggle"
        />
        {t('account.visibility.label')}
      </label>
      <FormError error={command.error} fields={[]} />
      <div className="actions">
        <button type="submit" disabled={command.busy} data-testid="visibility-next">
          {t('account.wizard.next')}
        </button>
      </div>
    </form>
  );
}
