import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DevicesCard } from './DevicesCard';
import { LANGUAGES, type AccountSettings, type ProfileDetails } from '../../../src-preload/contract';
import { SubscriptionCard } from '../billing/SubscriptionCard';
import { InlineConfirm } from '../../components/InlineConfirm';
import { FieldError, FormError, useCommand } from '../../components/forms';
import { useQuery } from '../../components/useQuery';
import { LANGUAGE_NAMES } from '../../i18n/i18n';
import { useAppStore } from '../store';
import { PasswordRules } from './PasswordRules';
import { TwoFactorSetup } from './TwoFactorSetup';
import { useCallStore } from '../calls/callStore';
import { uiLocale } from '../time';

/** The signed-in user's account: profile, password, two-factor, settings, contract, organisation. */
export function ProfilePanel() {
  const { t } = useTranslation('common');
  const account = useAppStore((s) => s.account);
  const setAccount = useAppStore((s) => s.setAccount);
  const [profile, reloadProfile] = useQuery(() => window.clinic.account.profile(), []);
  const signOut = useCommand();

  return (
    <div className="settings" data-testid="view-account">
      <section className="card">
        <div className="row spread">
          <h2 data-testid="account-name">{profile?.name || account?.profile?.username || account?.profile?.email}</h2>
          <button
            type="button"
            className="secondary"
            onClick={async () => {
              const state = await signOut.run(window.clinic.account.signOut());
              if (state) setAccount(state);
            }}
            data-testid="sign-out"
          >
            {t('account.signOut')}
          </button>
        </div>
        {account && !account.remembered && <p className="hint">{t('errors.secret_store_unavailable')}</p>}
        {profile && <ProfileForm profile={profile} onSaved={reloadProfile} />}
        {account?.profile && !account.profile.licence && <p className="banner error">{t('errors.licence_inactive')}</p>}
      </section>
      <PasswordCard />
      {profile && <TwoFactorCard profile={profile} onChanged={reloadProfile} />}
      <SettingsCard />
      {account?.profile?.registered && <DevicesCard />}
      {account?.profile?.registered && <SubscriptionCard />}
      {profile && <UpgradeCard profile={profile} onUpgraded={reloadProfile} />}
      {account?.profile?.registered && <DeleteAccountCard />}
    </div>
  );
}

function ProfileForm({ profile, onSaved }: { profile: ProfileDetails; onSaved: () => void }) {
  const { t } = useTranslation('common');
  const [form, setForm] = useState({
    address: profile.address,
    postcode: profile.postcode,
    city: profile.city,
    country: profile.country,
    phone: profile.phone,
  });
  const [saved, setSaved] = useState(false);
  const command = useCommand();
  const ids = { address: useId(), postcode: useId(), city: useId(), country: useId(), phone: useId() };
  const fields = ['address', 'postcode', 'city', 'country', 'phone'] as const;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await command.run(window.clinic.account.updateProfile(form));
    setSaved(result !== null);
    if (result) onSaved();
  };
  return (
    <form onSubmit={submit} noValidate data-testid="profile-form">
      <dl>
        <dt>{t('account.email')}</dt>
        <dd>{profile.email}</dd>
        <dt>{t('account.username')}</dt>
        <dd>{profile.username}</dd>
        {profile.organisation && (
          <>
            <dt>{t('account.organisation')}</dt>
            <dd>
              {profile.organisation.name} · <span className="mono">{profile.organisation.code}</span>
            </dd>
          </>
        )}
      </dl>
      <p className="hint">{t('account.profile.nameHint')}</p>
      <div className="form-grid two">
        {fields.map((field) => (
          <div className="field" key={field}>
            <label htmlFor={ids[field]}>{t(`account.profile.${field}`)}</label>
            <input
              id={ids[field]}
              value={form[field]}
              maxLength={field === 'country' ? 2 : undefined}
              onChange={(e) =>
                setForm({ ...form, [field]: field === 'country' ? e.target.value.toUpperCase() : e.target.value })
              }
              data-testid={`profile-${field}`}
            />
            <FieldError error={command.error} field={field} />
          </div>
        ))}
      </div>
      <FormError error={command.error} fields={fields} />
      <div className="actions">
        {saved && <span className="saved">{t('common.saved')}</span>}
        <button type="submit" disabled={command.busy} data-testid="profile-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

function PasswordCard() {
  const { t } = useTranslation('common');
  const [form, setForm] = useState({ current: '', password: '', repeat: '' });
  const [saved, setSaved] = useState(false);
  const command = useCommand();
  const ids = { current: useId(), password: useId(), repeat: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ok = (await command.run(window.clinic.account.changePassword(form))) !== null;
    setSaved(ok);
    if (ok) setForm({ current: '', password: '', repeat: '' });
  };
  return (
    <form className="card" onSubmit={submit} noValidate>
      <h2>{t('account.password.change')}</h2>
      {(['current', 'password', 'repeat'] as const).map((field) => (
        <div className="field" key={field}>
          <label htmlFor={ids[field]}>{t(`account.password.${field === 'password' ? 'new' : field}`)}</label>
          <input
            id={ids[field]}
            type="password"
            autoComplete={field === 'current' ? 'current-password' : 'new-password'}
            value={form[field]}
            onChange={(e) => setForm({ ...form, [field]: e.target.value })}
            data-testid={`password-${field}`}
          />
          <FieldError error={command.error} field={field} />
          {field === 'password' && form.password && (
            <PasswordRules
              password={form.password}
              rules={['length', 'lower', 'upper', 'digit', 'symbol']}
              minLength={12}
              personal={[]}
            />
          )}
        </div>
      ))}
      <FormError error={command.error} fields={['current', 'password', 'repeat']} />
      <div className="actions">
        {saved && <span className="saved">{t('common.saved')}</span>}
        <button type="submit" disabled={command.busy} data-testid="password-save">
          {t('account.password.change')}
        </button>
      </div>
    </form>
  );
}

function TwoFactorCard({ profile, onChanged }: { profile: ProfileDetails; onChanged: () => void }) {
  const { t } = useTranslation('common');
  const setAccount = useAppStore((s) => s.setAccount);
  const [setting, setSetting] = useState(false);
  const [changing, setChanging] = useState(false);
  const [password, setPassword] = useState('');
  const command = useCommand();
  const id = useId();
  return (
    <section className="card" data-testid="two-factor-card">
      <h2>{t('account.twoFactor.title')}</h2>
      {profile.twoFactor && changing ? (
        <TwoFactorSetup
          change
          onDone={() => {
            setChanging(false);
            onChanged();
          }}
          onLater={() => setChanging(false)}
        />
      ) : profile.twoFactor ? (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const state = await command.run(window.clinic.account.disableTwoFactor({ password }));
            if (state) {
              setAccount(state);
              setPassword('');
              onChanged();
            }
          }}
          noValidate
        >
          <p>{t('account.twoFactor.on', { phone: profile.twoFactorPhone ?? '' })}</p>
          <div className="field">
            <label htmlFor={id}>{t('account.password.current')}</label>
            <input id={id} type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <FormError error={command.error} fields={[]} />
          <div className="actions">
            <button type="button" onClick={() => setChanging(true)} data-testid="two-factor-change">
              {t('account.twoFactor.changeNumber')}
            </button>
            <button type="submit" className="secondary" disabled={command.busy}>
              {t('account.twoFactor.switchOff')}
            </button>
          </div>
        </form>
      ) : setting ? (
        <TwoFactorSetup
          onDone={() => {
            setSetting(false);
            onChanged();
          }}
          onLater={() => setSetting(false)}
        />
      ) : (
        <div className="row spread">
          <p>{t('account.twoFactor.off')}</p>
          <button type="button" onClick={() => setSetting(true)} data-testid="two-factor-on">
            {t('account.twoFactor.switchOn')}
          </button>
        </div>
      )}
    </section>
  );
}

const TOGGLES = ['searchable', 'autoDownload', 'autoAnswer', 'mute', 'patientConsent'] as const;

function SettingsCard() {
  const { t } = useTranslation('common');
  const [settings, setSettings] = useState<AccountSettings | null>(null);
  useQuery(async () => {
    const result = await window.clinic.account.settings();
    if (result.ok) setSettings(result.value);
    return result;
  }, []);
  const command = useCommand();
  const languageId = useId();
  const update = async (edit: Parameters<typeof window.clinic.account.updateSettings>[0]) => {
    const next = await command.run(window.clinic.account.updateSettings(edit));
    if (next) {
      setSettings(next);
      useCallStore.getState().set({ preferences: next }); // calls ring, mute and answer by them at once
    }
  };
  if (!settings) return null;
  return (
    <section className="card" data-testid="account-settings">
      <h2>{t('account.settings.title')}</h2>
      <div className="field">
        <label htmlFor={languageId}>{t('account.settings.language')}</label>
        <select
          id={languageId}
          value={settings.language}
          onChange={async (e) => {
            const language = LANGUAGES.find((l) => l === e.target.value);
            if (!language) return;
            await update({ language });
            // The account's language is also this device's.
            const changed = await window.clinic.settings.setLanguage({ language });
            if (!changed.ok) useAppStore.getState().showNotice(changed.error);
          }}
        >
          {LANGUAGES.map((lang) => (
            <option key={lang} value={lang} lang={lang}>
              {LANGUAGE_NAMES[lang]}
            </option>
          ))}
        </select>
      </div>
      {TOGGLES.map((key) => (
        <label className="check" key={key}>
          <input
            type="checkbox"
            checked={settings[key]}
            onChange={(e) => void update({ [key]: e.target.checked })}
            data-testid={`setting-${key}`}
          />
          {t(`account.settings.${key}`)}
        </label>
      ))}
      <DeviceFields settings={settings} onChange={update} />
      <NetworkSwitch network={settings.network} onChange={(network) => void update({ network })} />
      <FormError error={command.error} fields={[]} />
    </section>
  );
}

/** Default camera and microphone, chosen from what the browser reports (labels need an earlier grant). */
function DeviceFields({
  settings,
  onChange,
}: {
  settings: AccountSettings;
  onChange: (edit: Partial<AccountSettings>) => Promise<void>;
}) {
  const { t } = useTranslation('common');
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useQuery(async () => {
    const list = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    setDevices(list);
    return { ok: true as const, value: list };
  }, []);
  const ids = { camera: useId(), microphone: useId() };
  const pick = (kind: MediaDeviceKind, value: string | null, key: 'cameraId' | 'microphoneId', id: string) => (
    <div className="field">
      <label htmlFor={id}>{t(`account.settings.${key}`)}</label>
      <select id={id} value={value ?? ''} onChange={(e) => void onChange({ [key]: e.target.value || null })}>
        <option value="">{t('account.settings.systemDefault')}</option>
        {devices
          .filter((d) => d.kind === kind && d.deviceId)
          .map((d, index) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `${t(`account.settings.${key}`)} ${index + 1}`}
            </option>
          ))}
      </select>
    </div>
  );
  return (
    <div className="form-grid two">
      {pick('videoinput', settings.cameraId, 'cameraId', ids.camera)}
      {pick('audioinput', settings.microphoneId, 'microphoneId', ids.microphone)}
    </div>
  );
}

/**
 * Deleting the account, its own action (ending a subscription deletes nothing): with the password and a
 * question first; the app signs out at once, personal data is erased after the stated period.
 */
function DeleteAccountCard() {
  const { t } = useTranslation('common');
  const setAccount = useAppStore((s) => s.setAccount);
  const [password, setPassword] = useState('');
  const [asking, setAsking] = useState(false);
  const command = useCommand();
  const id = useId();
  const remove = async () => {
    setAsking(false);
    if (await command.run(window.clinic.account.deleteAccount({ password }))) {
      const state = await window.clinic.account.state();
      if (state.ok) setAccount(state.value);
    }
  };
  return (
    <section className="card" data-testid="delete-account">
      <h2>{t('account.delete.title')}</h2>
      <p className="hint">{t('account.delete.text')}</p>
      <div className="field">
        <label htmlFor={id}>{t('account.password.current')}</label>
        <input id={id} type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <FieldError error={command.error} field="password" />
      </div>
      <FormError error={command.error} fields={['password']} />
      {asking ? (
        <InlineConfirm
          question={t('account.delete.question')}
          keepLabel={t('account.delete.keep')}
          confirmLabel={t('account.delete.confirm')}
          onKeep={() => setAsking(false)}
          onConfirm={() => void remove()}
          busy={command.busy}
          testId="delete-account-confirm"
        />
      ) : (
        <div className="actions">
          <button type="button" className="danger" disabled={!password || command.busy} onClick={() => setAsking(true)}>
            {t('account.delete.submit')}
          </button>
        </div>
      )}
    </section>
  );
}

/** An individual account becomes an organisation (its admin): colleagues can then be invited. */
function UpgradeCard({ profile, onUpgraded }: { profile: ProfileDetails; onUpgraded: () => void }) {
  const { t } = useTranslation('common');
  const [organisationName, setOrganisationName] = useState('');
  const upgrade = useCommand();
  const orgId = useId();
  if (profile.organisation || profile.role !== 'member') return null;
  return (
    <section className="card" data-testid="upgrade-card">
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await upgrade.run(window.clinic.account.upgrade({ name: organisationName }))) onUpgraded();
        }}
        noValidate
      >
        <h2>{t('account.upgrade.title')}</h2>
        <p className="hint">{t('account.upgrade.text')}</p>
        <div className="field">
          <label htmlFor={orgId}>{t('account.upgrade.name')}</label>
          <div className="row">
            <input id={orgId} value={organisationName} onChange={(e) => setOrganisationName(e.target.value)} />
            <button type="submit" disabled={upgrade.busy}>
              {t('account.upgrade.submit')}
            </button>
          </div>
          <FieldError error={upgrade.error} />
        </div>
      </form>
    </section>
  );
}

/**
 * Taking part in the practices' network: switching on asks to accept the network's privacy policy and
 * terms in their current version (both open on our website); the accepted version and date are shown.
 */
function NetworkSwitch({
  network,
  onChange,
}: {
  network: AccountSettings['network'];
  onChange: (change: { participating: boolean; acceptTerms?: string }) => void;
}) {
  const { t, i18n } = useTranslation('common');
  const [asking, setAsking] = useState(false);
  const [accepted, setAccepted] = useState(false);
  const needsAcceptance = network.acceptedVersion !== network.termsVersion;
  return (
    <div className="field network" data-testid="network">
      <label className="check">
        <input
          type="checkbox"
          checked={network.participating}
          data-testid="network-switch"
          onChange={(e) => {
            if (!e.target.checked) return onChange({ participating: false });
            if (needsAcceptance) setAsking(true);
            else onChange({ participating: true });
          }}
        />
        {t('account.network.label')}
      </label>
      {network.acceptedAt !== null && network.acceptedVersion && (
        <p className="hint" data-testid="network-record">
          {t('account.network.accepted', {
            version: network.acceptedVersion,
            date: new Intl.DateTimeFormat(uiLocale(i18n.language), { dateStyle: 'medium' }).format(network.acceptedAt),
          })}
        </p>
      )}
      {!network.participating && network.acceptedVersion && needsAcceptance && (
        <p className="hint">{t('account.network.termsChanged')}</p>
      )}
      {asking && (
        <div className="confirm" role="group" data-testid="network-terms">
          <p>
            {t('account.network.terms', { version: network.termsVersion })}{' '}
            <button type="button" className="link" onClick={() => void window.clinic.app.openLink({ link: 'privacy' })}>
              {t('account.network.privacyLink')}
            </button>{' '}
            <button
              type="button"
              className="link"
              onClick={() => void window.clinic.app.openLink({ link: 'networkTerms' })}
            >
              {t('account.network.termsLink')}
            </button>
          </p>
          <label className="check">
            <input
              type="checkbox"
              checked={accepted}
              data-testid="network-accept"
              onChange={(e) => setAccepted(e.target.checked)}
            />
            {t('account.network.accept', { version: network.termsVersion })}
          </label>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setAsking(false)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              disabled={!accepted}
              data-testid="network-join"
              onClick={() => {
                setAsking(false);
                onChange({ participating: true, acceptTerms: network.termsVersion });
              }}
            >
              {t('account.network.join')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
