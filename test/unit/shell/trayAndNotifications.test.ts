import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Notification, recorded, Tray } from './fakeElectron';

vi.mock('electron', () => import('./fakeElectron'));
const { TrayController } = await import('../../../src-main/shell/tray');
const { NotificationCenter } = await import('../../../src-main/shell/notifications');

describe('tray', () => {
  beforeEach(() => recorded.reset());

  it('offers open, call-station mode and quit, in the app language', () => {
    const actions = { open: vi.fn(), openCallLog: vi.fn(), setCallStation: vi.fn(), quit: vi.fn() };
    const tray = new TrayController('/assets/tray.png', actions);
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
    const tray = new TrayController('/assets/tray.png', actions);
    tray.update({ language: 'en', callStation: false });
    const fake = Tray.instances.at(-1)!;
    expect(fake.menu!.items.some((i) => i.id === 'missed')).toBe(false);
    tray.setMissed(2);
    expect(fake.tooltip).toBe('ClinicDesk — 2 missed calls');
    const missed = fake.menu!.items.find((i) => i.id === 'missed')!;
    expect(missed.label).toBe('2 missed calls');
    missed.click?.({ checked: false });
    expect(actions.openCallLog).toHaveBeenCalledOnce();
    tray.setMissed(0);
    expect(fake.tooltip).toBe('ClinicDesk');
  });
});

describe('notifications', () => {
  beforeEach(() => recorded.reset());

  it('shows a native notification and focuses its view when clicked', () => {
    const focusView = vi.fn();
    const center = new NotificationCenter(focusView);
    expect(center.show({ title: 'Anruf', body: 'Dr. Weber ruft an', view: 'calls' })).toBe(true);
    const [shown] = Notification.instances;
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
    const [a, b, c] = Notification.instances.slice(-3);
    // An incoming call does not time out (Windows' default toasts do).
    expect(a!.options).toMatchObject({ timeoutType: 'never' });
    expect(b!.options.timeoutType).toBeUndefined();
    a!.emit('click');
    b!.emit('close');
    c!.emit('failed', {}, 'no notification server');
    expect(center.pending).toBe(0);
  });
});
