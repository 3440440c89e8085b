import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type AppInfo, type BridgeError, type Result, type Settings } from '../../../src-preload/contract';
import { errorText } from '../../i18n/errors';
import { isLanguage, LANGUAGE_NAMES } from '../../i18n/i18n';
import { useAppStore } from '../store';

/** Applies a settings result to the store (and the UI language), or hands back the error to show. */
function useApplySettings(): (result: Result<Settings>) => BridgeError | null {
  const { i18n } = useTranslation('common');
  const setSettings = useAppStore((s) => s.setSettings);
  return (result) => {
    if (!result.ok) return result.error;
    setSettings(result.value);
    if (i18n.language !== result.value.language) void i18n.changeLanguage(result.value.language);
    return null;
  };
}

function LanguageField({ settings }: { settings: Settings }) {
  const { t } = useTranslation('common');
  const apply = useApplySettings();
  const [error, setError] = useState<BridgeError | null>(null);
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
          if (!isLanguage(language)) return;
          setError(apply(await window.clinic.settings.setLanguage({ language })));
        }}
      >
        {LANGUAGES.map((lang) => (
          <option key={lang} value={lang} lang={lang}>
            {LANGUAGE_NAMES[lang]}
          </option>
        ))}
      </select>
      {settings.languageSource === 'os' && <p className="hint">{t('settings.language.followsSystem')}</p>}
      {error && (
        <p className="field-error" role="alert">
          {errorText(t, error, 'language')}
        </p>
      )}
    </div>
  );
}

function ServerField({ settings }: { settings: Settings }) {
  const { t } = useTranslation('common');
  const apply = useApplySettings();
  const [value, setValue] = useState(settings.serverUrl);
  const [error, setError] = useState<BridgeError | null>(null);
  const [saved, setSaved] = useState(false);
  const id = useId();
  const hintId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const failure = apply(await window.clinic.settings.setServerUrl({ serverUrl: value }));
    setError(failure);
    if (!failure) setSaved(true);
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
      {error && (
        <p className="field-error" role="alert" id={errorId} data-testid="server-url-error">
          {errorText(t, error, 'serverUrl')}
        </p>
      )}
      {saved && (
        <p className="saved" role="status">
          {t('settings.server.saved')}
        </p>
      )}
    </form>
  );
}

function CallStationField({ settings }: { settings: Settings }) {
  const { t } = useTranslation('common');
  const apply = useApplySettings();
  const [error, setError] = useState<BridgeError | null>(null);
  const id = useId();
  return (
    <div className="field">
      <div className="row">
        <input
          id={id}
          type="checkbox"
          data-testid="call-station"
          checked={settings.callStation}
          onChange={async (event) =>
            setError(apply(await window.clinic.settings.setCallStation({ enabled: event.target.checked })))
          }
        />
        <label htmlFor={id}>{t('settings.callStation.label')}</label>
      </div>
      <p className="hint">{t('settings.callStation.hint')}</p>
      {error && (
        <p className="field-error" role="alert">
          {errorText(t, error)}
        </p>
      )}
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
      <section className="card">
        <LanguageField settings={settings} />
        <ServerField settings={settings} />
        <CallStationField settings={settings} />
      </section>
      <About />
    </div>
  );
}
