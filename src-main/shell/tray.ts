/**
 * The tray icon and its menu: open, call-station mode, quit, and the missed calls (which open the call log).
 * Labels follow the app's language.
 */
import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { Language, SyncStatus } from '../../src-preload/contract';
import { intlLocale } from '../../protocol/locale';
import { shellStrings } from '../core/i18n/shellStrings';

export interface TrayActions {
  open(): void;
  openCallLog(): void;
  setCallStation(enabled: boolean): void;
  quit(): void;
}

/** What the menu shows: labels in the app's language (and the practice's regional spelling and times). */
export interface TrayState {
  language: Language;
  callStation: boolean;
  country?: string | null;
}

export class TrayController {
  private readonly tray: Tray;
  private state: TrayState | null = null;
  private missed = 0;
  private sync: SyncStatus | null = null;

  constructor(
    private readonly assetsDir: string,
    private readonly actions: TrayActions,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(trayImagePath(assetsDir, platform, false)));
    this.tray.on('click', () => actions.open());
  }

  /** Rebuilds the menu; called at start and whenever the language or call-station mode changes. */
  update(state: TrayState): void {
    this.state = state;
    const t = shellStrings(state.language, state.country);
    const missed = this.missed > 0 ? t('trayMissed', { count: this.missed }) : null;
    this.tray.setToolTip(
      [t('trayTooltip'), syncLine(this.sync, t, intlLocale(state.language, state.country)), missed]
        .filter(Boolean)
        .join(' — '),
    );
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { id: 'open', label: t('trayOpen'), click: () => this.actions.open() },
        ...(missed ? [{ id: 'missed', label: missed, click: () => this.actions.openCallLog() }] : []),
        {
          id: 'callStation',
          label: t('trayCallStation'),
          type: 'checkbox',
          checked: state.callStation,
          click: (item) => this.actions.setCallStation(item.checked),
        },
        { type: 'separator' },
        { id: 'quit', label: t('trayQuit'), click: () => this.actions.quit() },
      ]),
    );
  }

  /** Sync's state, in the tooltip (the window shows it too). */
  setSync(status: SyncStatus): void {
    this.sync = status;
    if (this.state) this.update(this.state);
  }

  /** The missed calls not yet seen in the call log. */
  setMissed(count: number): void {
    // The icon itself shows missed calls (a dot), not only the menu and tooltip.
    if (count > 0 !== this.missed > 0)
      this.tray.setImage(nativeImage.createFromPath(trayImagePath(this.assetsDir, this.platform, count > 0)));
    this.missed = count;
    if (this.state) this.update(this.state);
  }

  destroy(): void {
    this.tray.destroy();
  }
}

/**
 * The tray image for the platform (scripts/trayIcons.mjs draws them): macOS a 16 px template image (black
 * and alpha, `@2x` beside it; the menu bar tints it), Windows an ICO with 16 and 32 px, Linux a PNG. With
 * missed calls, the same mark with a dot.
 */
export function trayImagePath(assetsDir: string, platform: NodeJS.Platform, missed: boolean): string {
  if (platform === 'darwin') return join(assetsDir, missed ? 'trayMissedTemplate.png' : 'trayTemplate.png');
  if (platform === 'win32') return join(assetsDir, missed ? 'tray-missed.ico' : 'tray.ico');
  return join(assetsDir, missed ? 'tray-missed.png' : 'tray.png');
}

/** One line of sync's state for the tooltip; nothing while sync is off (not signed in). */
export function syncLine(
  status: SyncStatus | null,
  t: ReturnType<typeof shellStrings>,
  locale = 'en-GB',
): string | null {
  if (!status) return null;
  switch (status.state) {
    case 'synced':
      return t('traySynced');
    case 'syncing':
      // A first download says how far it has come.
      if (status.download?.total)
        return t('trayDownloading', {
          percent: Math.min(100, Math.floor((status.download.received / status.download.total) * 100)),
        });
      return t('traySyncing', { count: status.pending });
    case 'offline':
      return t('trayOffline', {
        time: status.offlineSince
          ? new Date(status.offlineSince).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
          : '',
      });
    case 'error':
    case 'revoked':
      return t('traySyncError');
    case 'choice':
      return t('traySyncChoice');
    default:
      return null;
  }
}
