/** Native notifications; clicking one brings the window forward on the view it is about. */
import { Notification } from 'electron';
import type { View } from '../../src-preload/contract';

export interface NotifyOptions {
  title: string;
  body: string;
  view: View;
  silent?: boolean;
  /** An incoming call or a knock: stays until acted on (Windows lets other toasts time out). */
  urgent?: boolean;
}

/**
 * Each notification is kept referenced until it is clicked, closed or fails: Electron's Notification is
 * garbage-collected once nothing holds it, and its click is then lost (the user clicks, nothing happens).
 */
export class NotificationCenter {
  private readonly open = new Set<Notification>();

  constructor(private readonly focusView: (view: View) => void) {}

  /** Notifications shown and not yet clicked, closed or failed. */
  get pending(): number {
    return this.open.size;
  }

  show(options: NotifyOptions): boolean {
    if (!Notification.isSupported()) return false;
    const notification = new Notification({
      title: options.title,
      body: options.body,
      silent: options.silent ?? false,
      ...(options.urgent ? { timeoutType: 'never' as const, urgency: 'critical' as const } : {}),
    });
    this.open.add(notification);
    const release = () => this.open.delete(notification);
    notification.on('click', () => {
      release();
      this.focusView(options.view);
    });
    notification.on('close', release);
    notification.on('failed', release);
    notification.show();
    return true;
  }
}
