/** The settings slice: what the renderer reads and changes through the bridge. */
import { languageSchema, serverUrlSchema, type Language, type Settings } from '../../../src-preload/contract';
import { languageFromLocales } from '../i18n/locale';
import type { SettingsStore } from './settingsStore';

export interface SettingsDefaults {
  /** The system's preferred locales, most preferred first. */
  osLocales: readonly string[];
  serverUrl: string;
}

export class SettingsService {
  constructor(
    private readonly store: SettingsStore,
    private readonly defaults: SettingsDefaults,
    private readonly onChange: (settings: Settings) => void = () => {},
  ) {}

  get(): Settings {
    const stored = languageSchema.safeParse(this.store.get('language'));
    const serverUrl = serverUrlSchema.safeParse(this.store.get('serverUrl'));
    return {
      language: stored.success ? stored.data : languageFromLocales(this.defaults.osLocales),
      languageSource: stored.success ? 'user' : 'os',
      serverUrl: serverUrl.success ? serverUrl.data : this.defaults.serverUrl,
      callStation: this.store.get('callStation') === true,
    };
  }

  setLanguage(language: Language): Settings {
    return this.write('language', language);
  }

  /** Input arrives already validated and normalised to an origin by the contract's schema. */
  setServerUrl(serverUrl: string): Settings {
    return this.write('serverUrl', serverUrl);
  }

  setCallStation(enabled: boolean): Settings {
    return this.write('callStation', enabled);
  }

  private write(key: string, value: unknown): Settings {
    this.store.set(key, value);
    const settings = this.get();
    this.onChange(settings);
    return settings;
  }
}
