/**
 * The update schedule (issue 14) against a stand-in of electron-updater's autoUpdater: checked at start and
 * daily, downloaded in the background, installed on quit only (never a forced restart that would cut a
 * call), failures logged and retried the next day, nothing at all in a development run.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { DAY_MS, scheduleUpdates, type Updater } from '../../../src-main/shell/updates';

class FakeUpdater extends EventEmitter implements Updater {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  checks = 0;
  fail = false;
  quitAndInstall = vi.fn();
  checkForUpdates() {
    this.checks += 1;
    return this.fail ? Promise.reject(new Error('getaddrinfo ENOTFOUND updates.example')) : Promise.resolve(null);
  }
}

const timers = () => {
  const scheduled: { run: () => void; ms: number }[] = [];
  return {
    scheduled,
    setInterval: (run: () => void, ms: number) => {
      scheduled.push({ run, ms });
      return {};
    },
  };
};

describe('updates', () => {
  it('checks at start and daily, downloads in the background and installs only on quit', async () => {
    const updater = new FakeUpdater();
    const clock = timers();
    const ready = vi.fn();
    scheduleUpdates(updater, { packaged: true, onReady: ready, log: () => undefined, setInterval: clock.setInterval });
    expect(updater.checks).toBe(1);
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(true);
    expect(clock.scheduled).toEqual([{ run: expect.any(Function), ms: DAY_MS }]);
    clock.scheduled[0]!.run();
    expect(updater.checks).toBe(2);
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(ready).toHaveBeenCalledWith('0.2.0');
    expect(updater.quitAndInstall).not.toHaveBeenCalled();
  });

  it('logs a failed check and tries again the next day', async () => {
    const updater = new FakeUpdater();
    updater.fail = true;
    const clock = timers();
    const log = vi.fn();
    scheduleUpdates(updater, { packaged: true, onReady: () => undefined, log, setInterval: clock.setInterval });
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith(expect.stringContaining('ENOTFOUND')));
    updater.emit('error', new Error('503 from the update host'));
    expect(log).toHaveBeenCalledWith(expect.stringContaining('503'));
    updater.fail = false;
    clock.scheduled[0]!.run();
    expect(updater.checks).toBe(2);
  });

  it('does nothing in a development run', () => {
    const updater = new FakeUpdater();
    const clock = timers();
    scheduleUpdates(updater, {
      packaged: false,
      onReady: () => undefined,
      log: () => undefined,
      setInterval: clock.setInterval,
    });
    expect(updater.checks).toBe(0);
    expect(clock.scheduled).toEqual([]);
  });
});
