/** Native notifications; clicking one brings the window forward on the view it is about. */
import { Notification } from 'electron';
import type { View } from '../../src-preload/contract';

export interface NotifyOptions {
  title: string;
  body: string;
  view: View;
  silent?: boolean;
}

export class NotificationCenter {
  constructor(private readonly focusView: (view: View) => void) {}

  show(options: NotifyOptions): boolean {
    if (!Notification.isSupported()) return false;
    const notification = new Notification({
      title: options.title,
      body: options.body,
      silent: options.silent ?? false,
    });
    notification.on('click', () => this.focusView(options.view));
    notification.show();
    return true;
  }
}
