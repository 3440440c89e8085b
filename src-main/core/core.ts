/**
 * The main process without Electron: opens the database, builds the services and the command handlers.
 * The shell wires it to IPC, windows and the tray; the test bridge wires it to Chromium; benches call it
 * directly. All three run exactly this code.
 */
import type { CommandHandlers, EventName, EventPayload } from '../../src-preload/contract';
import { databasePath } from './config';
import { openDatabase, type Db } from './db/database';
import { buildExternalLink } from './security/policy';
import { SettingsService } from './settings/settingsService';
import { SettingsStore } from './settings/settingsStore';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface CoreOptions {
  dataDir: string;
  appVersion: string;
  osLocales: readonly string[];
  defaultServerUrl: string;
  /** Hands an https URL the core built to the OS browser. */
  openExternal: (url: string) => Promise<void> | void;
  emit: Emit;
}

export interface Core {
  db: Db;
  settings: SettingsService;
  handlers: CommandHandlers;
  close(): void;
}

export function createCore(options: CoreOptions): Core {
  const db = openDatabase(databasePath(options.dataDir));
  const settings = new SettingsService(
    new SettingsStore(db),
    { osLocales: options.osLocales, serverUrl: options.defaultServerUrl },
    (next) => options.emit('settings.changed', next),
  );

  const handlers: CommandHandlers = {
    app: {
      info: () => ({ version: options.appVersion, dataDir: options.dataDir }),
      openLink: async ({ link }) => {
        await options.openExternal(buildExternalLink(link, settings.get().language));
        return null;
      },
    },
    settings: {
      get: () => settings.get(),
      setLanguage: ({ language }) => settings.setLanguage(language),
      setServerUrl: ({ serverUrl }) => settings.setServerUrl(serverUrl),
      setCallStation: ({ enabled }) => settings.setCallStation(enabled),
    },
  };

  return {
    db,
    settings,
    handlers,
    close: () => db.close(),
  };
}
