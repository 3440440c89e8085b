/**
 * Where the desktop keeps its data and which server it talks to: command-line flags win over environment
 * variables, which win over the defaults. Plain Node, so the shell, the test bridge and benches share it.
 */
import { join } from 'node:path';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:4780';
export const DATABASE_FILE = 'clinicdesk.sqlite';
export const SECRETS_FILE = 'secrets.json';

export interface DesktopConfig {
  dataDir: string;
  serverUrl: string;
}

const flag = (argv: readonly string[], name: string): string | undefined => {
  const prefix = `--${name}=`;
  return argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
};

export function desktopConfig(argv: readonly string[], env: NodeJS.ProcessEnv, defaultDataDir: string): DesktopConfig {
  return {
    dataDir: flag(argv, 'data-dir') ?? env.CLINICDESK_DATA_DIR ?? defaultDataDir,
    serverUrl: flag(argv, 'server-url') ?? env.CLINICDESK_SERVER_URL ?? DEFAULT_SERVER_URL,
  };
}

export const databasePath = (dataDir: string): string => join(dataDir, DATABASE_FILE);
export const secretsPath = (dataDir: string): string => join(dataDir, SECRETS_FILE);
/** The log files support asks for: the core's and the renderer's errors, and the main process's. */
export const logPath = (dataDir: string, name: 'app' | 'main'): string => join(dataDir, 'logs', `${name}.log`);

/**
 * Whether this desktop keeps a window above the others when asked (call-station mode). Wayland has no
 * always-on-top for applications: there the window is only shown, and Settings says so.
 */
export const keepsWindowsOnTop = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean =>
  !(platform === 'linux' && env.XDG_SESSION_TYPE === 'wayland');
