import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isOrganisationMember } from '../../../protocol/accounts';
import { LANGUAGES, type AppInfo, type BridgeError, type Result, type Settings } from '../../../src-preload/contract';
import { FieldError } from '../../components/forms';
import { isLanguage, LANGUAGE_NAMES } from '../../i18n/i18n';
import { PracticeSettings } from '../settings/PracticeSettings';
import { CreditsPanel } from '../sync/CreditsPanel';
import { useAppStore } from '../store';
import { InlineConfirm } from '../../components/InlineConfirm';

/**
 * Runs a settings command: on success the store (and the UI language) follow the new settings; on failure
 * the error is kept for the field to show.
 */
function useSettingsCommand() {
  const { i18n } = useTranslation('common');
  const setSettings = useAppStore((s) => s.setSettings);
  const [error, setError] = useState<BridgeError | null>(null);
  const run = async (command: Promise<Result<Settings>>): Promise<boolean> => {
    const result = await command;
    if (!result.ok) {
      setError(result.error);
      return false;
    }
    setError(null);
    setSettings(result.value);
    if (i18n.language !== result.value.language) void i18n.changeLanguage(result.value.language);
    return true;
  };
  return { error, run };
}

function LanguageField({ settings }: { settings: Settings }) {
  const { t } = useTranslation('common');
  const { error, run } = useSettingsCommand();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('settings.language.label')}</label>
      <select
        id={id}
        data-testid="language-select"
        value={settings.language}
        onChange={async (event) => {
          const language = event.target.value;
          if (isLanguage(language)) await run(window.clinic.settings.setLanguage({ language }));
        }}
      >
        {LANGUAGES.map((lang) => (
          <option key={lang} value={lang} lang={lang}>
            {LANGUAGE_NAMES[lang]}
          </option>
        ))}
      </select>
      {settings.languageSource === 'os' && <p className="hint">{t('settings.language.followsSystem')}</p>}
      <FieldError error={error} />
    </div>
  );
}

function ServerField({ settings }: { settings: Settings }) {
  const { t } = useTranslation('common');
  const { error, run } = useSettingsCommand();
  const [value, setValue] = useState(settings.serverUrl);
  const [saved, setSaved] = useState(false);
  const id = useId();
  const hintId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setSaved(await run(window.clinic.settings.setServerUrl({ serverUrl: value })));
  };

  return (
    <form className="field" onSubmit={submit} noValidate>
      <label htmlFor={id}>{t('settings.server.label')}</label>
      <div className="row">
        <input
          id={id}
          data-testid="server-url"
          type="url"
          value={value}
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : hintId}
          onChange={(event) => {
            setValue(event.target.value);
            setSaved(false);
          }}
        />
        <button type="submit" data-testid="server-url-save">
          {t('settings.server.save')}
        </button>
      </div>
      <p className="hint" id={hintId}>
        {t('settings.server.hint')}
      </p>
      <FieldError error={error} id={errorId} testId="server-url-error" />
      {saved && (
        <p className="saved" role="status">
          {t('settings.server.saved')}
        </p>
      )}
    </form>
  );
}

/**
 * Call-station mode turns the workstation into an unattended phone (always on top, calls answered by
 * themselves, the rest of the app hidden): asked before it is turned on, and not for an organisation's
 * ordinary members (their administrator decides). Turning it off needs no question.
 */
function CallStationField({ settings }: { settings: Settings }) {
  const { t } = useTranslation('common');
  const { error, run } = useSettingsCommand();
  const profile = useAppStore((s) => s.account?.profile);
  const [asking, setAsking] = useState(false);
  const [keepsOnTop, setKeepsOnTop] = useState<boolean | null>(null);
  useEffect(() => {
    void window.clinic.app.info().then((result) => result.ok && setKeepsOnTop(result.value.keepsOnTop));
  }, []);
  const id = useId();
  // The core refuses it as well (the tray, or a renderer that skips this); here it is not even offered.
  const member = profile ? isOrganisationMember(profile) : false;
  return (
    <div className="field">
      <div className="row">
        <input
          id={id}
          type="checkbox"
          data-testid="call-station"
          checked={settings.callStation}
          disabled={member && !settings.callStation}
          onChange={(event) => {
            if (event.target.checked) setAsking(true);
            else void run(window.clinic.settings.setCallStation({ enabled: false }));
          }}
        />
        <label htmlFor={id}>{t('settings.callStation.label')}</label>
      </div>
      <p className="hint">{t(member ? 'settings.callStation.adminOnly' : 'settings.callStation.hint')}</p>
      {keepsOnTop === false && (
        <p className="hint" data-testid="call-station-no-top">
          {t('settings.callStation.noKeepOnTop')}
        </p>
      )}
      {asking && (
        <InlineConfirm
          question={t('settings.callStation.question')}
          keepLabel={t('common.cancel')}
          confirmLabel={t('settings.callStation.turnOn')}
          onKeep={() => setAsking(false)}
          onConfirm={async () => {
            setAsking(false);
            await run(window.clinic.settings.setCallStation({ enabled: true }));
          }}
          testId="call-station-confirm"
        />
      )}
      <FieldError error={error} />
    </div>
  );
}

function About() {
  const { t } = useTranslation('common');
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    void window.clinic.app.info().then((result) => result.ok && setInfo(result.value));
  }, []);
  return (
    <section className="card">
      <h2>{t('settings.about.title')}</h2>
      {info && (
        <dl>
          <dt>{t('settings.about.version', { version: info.version })}</dt>
          <dt>{t('settings.about.dataDir')}</dt>
          <dd className="mono">{info.dataDir}</dd>
        </dl>
      )}
      <div className="row">
        <button type="button" className="link" onClick={() => void window.clinic.app.openLink({ link: 'help' })}>
          {t('settings.about.help')}
        </button>
        <button type="button" className="link" onClick={() => void window.clinic.app.openLink({ link: 'privacy' })}>
          {t('settings.about.privacy')}
        </button>
      </div>
    </section>
  );
}

export function SettingsView() {
  const settings = useAppStore((s) => s.settings);
  const { t } = useTranslation('common');
  if (!settings) return <p>{t('app.loading')}</p>;
  return (
    <div className="settings" data-testid="view-settings">
      {/* One way of saving per card: this workstation's choices apply as they are made (said in the card);
          the server's address is typed and then saved, as a form. */}
      <section className="card" aria-labelledby="settings-workstation" data-testid="settings-workstation">
        <h2 id="settings-workstation">{t('settings.workstation.title')}</h2>
        <p className="hint">{t('settings.workstation.hint')}</p>
        <LanguageField settings={settings} />
        <CallStationField settings={settings} />
      </section>
      <section className="card" aria-labelledby="settings-server" data-testid="settings-server">
        <h2 id="settings-server">{t('settings.server.title')}</h2>
        <ServerField settings={settings} />
      </section>
      <PracticeSettings />
      <CreditsPanel />
      <About />
    </div>
  );
}
