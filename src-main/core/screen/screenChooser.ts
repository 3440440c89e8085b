/**
 * Asks the user which screen or window to share: the shell hands the sources to the renderer (the
 * `screen.choose` event) and waits for its `screen.chosen` answer. One question at a time per request id;
 * an answer for an unknown or finished request is ignored, and a question nobody answers ends as "cancel"
 * after a minute, so a capture request never hangs. Plain Node: the shell supplies the event sender.
 */
import { randomUUID } from 'node:crypto';
import type { EventPayload } from '../../../src-preload/contract';

export type ScreenSource = EventPayload<'screen.choose'>['sources'][number];

export class ScreenChooser {
  private readonly waiting = new Map<string, { resolve(id: string | null): void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly ask: (payload: EventPayload<'screen.choose'>) => void,
    private readonly timeoutMs = 60_000,
  ) {}

  /** The chosen source's id, or null when the user cancelled (or did not answer). */
  choose(sources: ScreenSource[]): Promise<string | null> {
    const requestId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(requestId, null), this.timeoutMs);
      this.waiting.set(requestId, {
        resolve: (id) => resolve(id !== null && sources.some((s) => s.id === id) ? id : null),
        timer,
      });
      this.ask({ requestId, sources });
    });
  }

  /** The renderer's answer (`screen.chosen`). */
  answer(requestId: string, sourceId: string | null): void {
    const entry = this.waiting.get(requestId);
    if (!entry) return;
    this.waiting.delete(requestId);
    clearTimeout(entry.timer);
    entry.resolve(sourceId);
  }

  /** Ends every open question as cancelled (the window closed, the app quits). */
  cancelAll(): void {
    for (const id of [...this.waiting.keys()]) this.answer(id, null);
  }
}
