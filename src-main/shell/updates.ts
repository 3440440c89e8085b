/**
 * Updates (issue 14) with electron-updater's generic provider: the installers' `publish` URL (the
 * practice's ClinicDesk server or any static host) serves latest.yml / latest-mac.yml / latest-linux.yml.
 * Checked at start and then daily, downloaded in the background, installed when the app quits — the app
 * never restarts itself to install (no `quitAndInstall`), so a consultation is never cut by an update.
 * Only a packaged app updates (a development run has no installer to replace).
 */
export interface Updater {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  checkForUpdates(): Promise<unknown>;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface UpdateSchedule {
  stop(): void;
}

export function scheduleUpdates(
  updater: Updater,
  options: {
    packaged: boolean;
    /** A downloaded update: it will be installed when the app quits (the tray says so). */
    onReady: (version: string) => void;
    log: (message: string) => void;
    intervalMs?: number;
    setInterval?: (run: () => void, ms: number) => { unref?: () => void };
    clearInterval?: (timer: unknown) => void;
  },
): UpdateSchedule {
  if (!options.packaged) return { stop: () => undefined };
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.on('update-downloaded', (info) => options.onReady(info.version));
  // Offline, or the host unreachable: tried again the next day; nothing for the user to do.
  updater.on('error', (error) => options.log(`update check failed: ${error.message}`));
  const check = () =>
    void updater.checkForUpdates().catch((error: unknown) => options.log(`update check failed: ${String(error)}`));
  check();
  const every = options.setInterval ?? ((run: () => void, ms: number) => setInterval(run, ms));
  const timer = every(check, options.intervalMs ?? DAY_MS);
  timer.unref?.();
  return { stop: () => (options.clearInterval ?? ((t) => clearInterval(t as NodeJS.Timeout)))(timer) };
}
