/** The tray icon and its menu: open, call-station mode, quit. Labels follow the app's language. */
import { Menu, Tray, nativeImage } from 'electron';
import type { Language } from '../../src-preload/contract';
import { shellStrings } from '../core/i18n/shellStrings';

export interface TrayActions {
  open(): void;
  setCallStation(enabled: boolean): void;
  quit(): void;
}

export class TrayController {
  private readonly tray: Tray;

  constructor(
    iconPath: string,
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath));
    this.tray.on('click', () => actions.open());
  }

  /** Rebuilds the menu; called at start and whenever the language or call-station mode changes. */
  update(state: { language: Language; callStation: boolean }): void {
    const t = shellStrings(state.language);
    this.tray.setToolTip(t('trayTooltip'));
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { id: 'open', label: t('trayOpen'), click: () => this.actions.open() },
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

  destroy(): void {
    this.tray.destroy();
  }
}
