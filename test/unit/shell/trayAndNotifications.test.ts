import { existsSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../harness/testBridge';
import { collectGarbage, Notification, recorded, Tray } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { TrayController, trayImagePath } = await import('../../../src-main/shell/tray');
const { NotificationCenter } = await import('../../../src-main/shell/notifications');

describe('tray', () => {
  beforeEach(() => recorded.reset());

  it('offers open, call-station mode and quit, in the app language', () => {
    const actions = { open: vi.fn(), openCallLog: vi.fn(), setCallStation: vi.fn(), quit: vi.fn() };
    const tray = new TrayController('/assets', actions, 'linux');
    tray.update({ language: 'de', callStation: false });
    const fake = Tray.instances[0]!;
    expect(fake.image.path).toBe('/assets/tray.png');
    const items = fake.menu!.items.filter((i) => i.id);
    expect(items.map((i) => [i.id, i.label])).toEqual([
      ['open', 'ClinicDesk öffnen'],
      ['callStation', 'Rufstation-Modus'],
      ['quit', 'ClinicDesk beenden'],
    ]);
    expect(items[1]?.checked).toBe(false);

    items[0]?.click?.({ checked: false });
    items[1]?.click?.({ checked: true });
    items[2]?.click?.({ checked: false });
    expect(actions.open).toHaveBeenCalledOnce();
    expect(actions.setCallStation).toHaveBeenCalledWith(true);
    expect(actions.quit).toHaveBeenCalledOnce();

    tray.update({ language: 'sv', callStation: true });
    const updated = fake.menu!.items.find((i) => i.id === 'callStation');
    expect(updated).toMatchObject({ label: 'Samtalsstationsläge', checked: true });
  });

  it('shows missed calls in the tooltip and the menu, which open the call log', () => {
    const actions = { open: vi.fn(), openCallLog: vi.fn(), setCallStation: vi.fn(), quit: vi.fn() };
    const tray = new TrayController('/assets', actions, 'win32');
    tray.update({ language: 'en', callStation: false });
    const fake = Tray.instances.at(-1)!;
    expect(fake.image.path).toBe('/assets/tray.ico');
    expect(fake.menu!.items.some((i) => i.id === 'missed')).toBe(false);
    tray.setMissed(2);
    expect(fake.tooltip).toBe('ClinicDesk — 2 missed calls');
    const missed = fake.menu!.items.find((i) => i.id === 'missed')!;
    expect(missed.label).toBe('2 missed calls');
    missed.click?.({ checked: false });
    expect(actions.openCallLog).toHaveBeenCalledOnce();
    // The icon shows it too (a dot), and goes back when they have been seen; set once per change.
    expect(fake.image.path).toBe('/assets/tray-missed.ico');
    tray.setMissed(3);
    tray.setMissed(0);
    expect(fake.tooltip).toBe('ClinicDesk');
    expect(fake.images.map((i) => i.path)).toEqual(['/assets/tray.ico', '/assets/tray-missed.ico', '/assets/tray.ico']);
  });

  it('uses a 16 px template image on macOS, an ICO on Windows, a PNG on Linux — files that exist', () => {
    const assets = join(ROOT, 'assets');
    const mac = new TrayController(
      assets,
      { open: vi.fn(), openCallLog: vi.fn(), setCallStation: vi.fn(), quit: vi.fn() },
      'darwin',
    );
    mac.setMissed(1);
    const fake = Tray.instances.at(-1)!;
    expect(fake.images.map((i) => [basename(i.path), i.template])).toEqual([
      ['trayTemplate.png', true],
      ['trayMissedTemplate.png', true],
    ]);
    const size = (file: string) => {
      const png = readFileSync(join(assets, file));
      return [png.readUInt32BE(16), png.readUInt32BE(20)];
    };
    expect(size('trayTemplate.png')).toEqual([16, 16]);
    expect(size('trayTemplate@2x.png')).toEqual([32, 32]);
    // Template images are black and alpha only (drawn unfiltered by scripts/trayIcons.mjs).
    for (const file of ['trayTemplate.png', 'trayMissedTemplate@2x.png']) {
      const png = readFileSync(join(assets, file));
      const [width] = size(file);
      const idat: Buffer[] = [];
      for (let at = 8; at < png.length; at += 12 + png.readUInt32BE(at))
        if (png.toString('ascii', at + 4, at + 8) === 'IDAT')
          idat.push(png.subarray(at + 8, at + 8 + png.readUInt32BE(at)));
      const raw = inflateSync(Buffer.concat(idat));
      const coloured = [];
      for (let row = 0; row * (width! * 4 + 1) < raw.length; row++)
        for (let x = 0; x < width!; x++) {
          const at = row * (width! * 4 + 1) + 1 + x * 4;
          if (raw[at] || raw[at + 1] || raw[at + 2]) coloured.push([x, row]);
        }
      expect(coloured, file).toEqual([]);
    }
    for (const platform of ['win32', 'linux'] as const)
      for (const missed of [false, true]) expect(existsSync(trayImagePath(assets, platform, missed))).toBe(true);
    const ico = readFileSync(join(assets, 'tray.ico'));
    expect([ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([1, 2]); // an icon with two sizes
    expect([ico[6], ico[6 + 16]]).toEqual([16, 32]);
  });
});

describe('notifications', () => {
  beforeEach(() => recorded.reset());

  it('shows a native notification and focuses its view when clicked', () => {
    const focusView = vi.fn();
    const center = new NotificationCenter(focusView);
    expect(center.show({ title: 'Anruf', body: 'Dr. Weber ruft an', view: 'calls' })).toBe(true);
    const [shown] = Notification.alive();
    expect(shown).toMatchObject({ shown: true, options: { title: 'Anruf', body: 'Dr. Weber ruft an' } });
    shown!.emit('click');
    expect(focusView).toHaveBeenCalledWith('calls');
  });

  it('keeps each notification referenced until it is clicked, closed or fails, then lets it go', () => {
    const center = new NotificationCenter(vi.fn());
    center.show({ title: 'a', body: 'a', view: 'calls', urgent: true });
    center.show({ title: 'b', body: 'b', view: 'callLog' });
    center.show({ title: 'c', body: 'c', view: 'calls' });
    expect(center.pending).toBe(3);
    const [a, b, c] = Notification.alive().slice(-3);
    // An incoming call does not time out (Windows' default toasts do).
    expect(a!.options).toMatchObject({ timeoutType: 'never' });
    expect(b!.options.timeoutType).toBeUndefined();
    a!.emit('click');
    b!.emit('close');
    c!.emit('failed', {}, 'no notification server');
    expect(center.pending).toBe(0);
  });

  it('survives garbage collection until clicked, so the click still reaches the app', async () => {
    const focusView = vi.fn();
    const center = new NotificationCenter(focusView);
    center.show({ title: 'Incoming call', body: 'Dr. Weber', view: 'calls', urgent: true });
    // One nobody holds, for comparison: the fake really collects it.
    new Notification({ title: 'dropped', body: 'dropped' }).show();
    await collectGarbage();
    const alive = Notification.alive();
    expect(alive.map((n) => n.options.title)).toEqual(['Incoming call']);
    alive[0]!.emit('click');
    expect(focusView).toHaveBeenCalledWith('calls');
    // Clicked: let go, and collected like any other.
    alive.length = 0;
    await collectGarbage();
    expect(Notification.alive()).toEqual([]);
  });
});
