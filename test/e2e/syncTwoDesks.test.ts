/**
 * Two workstations of one practice in real Chromium (two test bridges, two data folders, each with the
 * sync driver as the shell runs it) against the real server. Shown: the first desk uploads its fresh
 * set-up, the second takes over the account's practice; an appointment booked on one appears in the other's
 * agenda by the server's notice (no timer: the driver's interval is a minute); a patient edited on both
 * while one is offline merges field by field once it is back, and the window says "offline" meanwhile.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetDay } from '../harness/agendaDays';
import { seriousViolations } from '../harness/axe';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { RENDERER_DIR, startHarness, type Harness } from '../harness/testBridge';
import { atLocal } from '../../protocol/messaging/timeZone';

const ZONE = 'Europe/Berlin';
const PASSWORD = 'Calm-Meadow-2024';
let browser: Browser;
let server: ServerFixture;
const harnesses: Harness[] = [];

beforeAll(async () => {
  server = await startServerFixture({ realClock: true, webDir: RENDERER_DIR });
  browser = await launchChromium();
  await server.registered('praxis.park', PASSWORD);
});
afterAll(async () => {
  for (const harness of harnesses) await harness.close();
  await browser?.close();
  await server?.close();
});

/** A workstation signed in to the practice's account (after `before`, its life before signing in). */
async function signedInDesk(before?: (harness: Harness) => void): Promise<Harness> {
  const harness = await startHarness({
    browser,
    osLocales: ['en-US'],
    serverUrl: server.base,
    timeZone: ZONE,
    sync: true,
    syncIntervalMs: 60_000,
  });
  harnesses.push(harness);
  before?.(harness);
  await harness.open('settings');
  const signedIn = await harness.page.evaluate(
    ([user, password]) => window.clinic.account.signIn({ username: user!, password: password! }),
    ['praxis.park', PASSWORD],
  );
  expect(signedIn).toMatchObject({ ok: true, value: { signedIn: true } });
  await harness.page.reload();
  await harness.open('agenda');
  return harness;
}

/** A workstation signed in to the practice's account, sync running as in the app, caught up. */
async function desk(): Promise<Harness> {
  const harness = await signedInDesk();
  await expect.poll(() => harness.page.getByTestId('sync-status').getAttribute('data-state')).toBe('synced');
  return harness;
}

describe('two workstations share one practice', () => {
  let a: Harness;
  let b: Harness;

  it('the second desk takes over the practice the first one uploaded', async () => {
    a = await desk();
    const tenantId = a.core.practice.tenants()[0]!.id;
    const created = await a.page.evaluate(
      (tenant) => window.clinic.practitioners.create({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId: tenant }),
      tenantId,
    );
    expect(created.ok).toBe(true);
    await expect.poll(() => a.sync.status()).toMatchObject({ state: 'synced', pending: 0 });
    b = await desk();
    expect(b.core.practice.practitioners().map((p) => p.name)).toEqual(['Dr. Weber']);
    expect(b.core.practice.tenants().map((t) => t.id)).toEqual(a.core.practice.tenants().map((t) => t.id));
  });

  it('an appointment booked on one desk appears in the other’s agenda at once', async () => {
    const day = targetDay(ZONE);
    await b.page.getByTestId('agenda-date').fill(day);
    const practitionerId = a.core.practice.practitioners()[0]!.id;
    const typeId = a.core.practice.types()[0]!.id;
    const started = Date.now();
    const booked = await a.page.evaluate((input) => window.clinic.agenda.book(input), {
      patientId: null,
      practitionerId,
      roomId: null,
      typeId,
      startAt: atLocal(day, 10 * 60, ZONE),
      endAt: null,
      notes: 'Synced booking',
      allowOverlap: false,
      sendConfirmation: false,
    });
    if (!booked.ok || booked.value.kind !== 'done') throw new Error('not booked');
    await b.page.getByTestId(`appointment-${booked.value.appointment.id}`).waitFor();
    console.log(`sync e2e: the booking showed on the other desk after ${Date.now() - started} ms`);
  });

  it('a patient edited on both desks, one of them offline, merges field by field', async () => {
    const created = await a.page.evaluate(() =>
      window.clinic.patients.create({
        firstName: 'Jonas',
        lastName: 'Ek',
        birthDate: null,
        mobile: '+46701234567',
        email: 'jonas@example.org',
        language: 'sv',
        channel: 'sms',
        optOutSms: false,
        optOutEmail: false,
        notes: '',
      }),
    );
    if (!created.ok) throw new Error('not created');
    const id = created.value.id;
    await expect
      .poll(() => b.core.db.prepare('SELECT count(*) AS n FROM patients WHERE id = ?').get(id))
      .toEqual({ n: 1 });

    // B loses the server (its address answers nothing) and edits the e-mail; A edits the mobile meanwhile.
    const serverUrl = b.core.settings.get().serverUrl;
    b.core.settings.setServerUrl('http://127.0.0.1:9');
    const offline = await b.page.evaluate(
      (patientId) => window.clinic.patients.update({ id: patientId, email: 'jonas.ek@example.org' }),
      id,
    );
    expect(offline.ok).toBe(true);
    await expect.poll(() => b.page.getByTestId('sync-status').getAttribute('data-state')).toBe('offline');
    expect(await b.page.getByTestId('sync-status').textContent()).toMatch(/Offline since .*1 change waiting/);
    const online = await a.page.evaluate(
      (patientId) => window.clinic.patients.update({ id: patientId, mobile: '+46709876543' }),
      id,
    );
    expect(online.ok).toBe(true);

    b.core.settings.setServerUrl(serverUrl);
    await b.page.getByTestId('sync-retry').click();
    await expect.poll(() => b.page.getByTestId('sync-status').getAttribute('data-state')).toBe('synced');
    await a.sync.kick();
    for (const h of [a, b])
      expect(h.core.patients.get(id)).toMatchObject({ email: 'jonas.ek@example.org', mobile: '+46709876543' });
  });

  it('an offline double booking is kept on both desks and marked as a conflict on both', async () => {
    const day = targetDay(ZONE);
    const practitionerId = a.core.practice.practitioners()[0]!.id;
    const typeId = a.core.practice.types()[0]!.id;
    const input = {
      patientId: null,
      practitionerId,
      roomId: null,
      typeId,
      startAt: atLocal(day, 14 * 60, ZONE),
      endAt: null,
      notes: '',
      allowOverlap: false,
      sendConfirmation: false,
    };
    const serverUrl = b.core.settings.get().serverUrl;
    b.core.settings.setServerUrl('http://127.0.0.1:9');
    const onB = await b.page.evaluate((booking) => window.clinic.agenda.book(booking), { ...input, notes: 'B' });
    const onA = await a.page.evaluate((booking) => window.clinic.agenda.book(booking), { ...input, notes: 'A' });
    if (!onA.ok || onA.value.kind !== 'done' || !onB.ok || onB.value.kind !== 'done') throw new Error('not booked');
    b.core.settings.setServerUrl(serverUrl);
    await b.sync.kick();
    await a.sync.kick();
    for (const desk of [a, b]) {
      // A fresh window (A added its practitioner through the bridge, not the settings view, so its window
      // had not loaded that column).
      await desk.page.reload();
      await desk.open('agenda');
      await desk.page.getByTestId('agenda-date').fill(day);
      for (const id of [onA.value.appointment.id, onB.value.appointment.id])
        await expect.poll(() => desk.page.getByTestId(`appointment-${id}`).getAttribute('data-conflict')).toBe('true');
    }
  });

  it('a workstation revoked from the other one stops syncing and is signed out', async () => {
    await a.open('account');
    const bId = b.core.sync.deviceId();
    await a.page.getByTestId(`revoke-${bId}`).click();
    await a.page.getByTestId('revoke-confirm-yes').click();
    await expect.poll(() => a.page.getByTestId(`device-${bId}`).getAttribute('data-revoked')).toBe('true');
    // B's next sync (a change here, or the timer) is refused: the session ends on B.
    const changed = await b.page.evaluate(() => window.clinic.rooms.create({ name: 'Raum 3' }));
    expect(changed.ok).toBe(true);
    await expect
      .poll(() =>
        b.page.evaluate(async () => {
          const state = await window.clinic.account.state();
          return state.ok && state.value.signedIn;
        }),
      )
      .toBe(false);
    expect(a.core.practice.rooms().map((r) => r.name)).not.toContain('Raum 3');
  });

  it('a desk with patients of its own is asked before anything is replaced; "Later" keeps them', async () => {
    let own = '';
    // Used on its own before its first sign-in: a patient of its own.
    const c = await signedInDesk((harness) => {
      own = harness.core.patients.create({
        firstName: 'Lokal',
        lastName: 'Patientin',
        birthDate: '1970-01-02',
        mobile: '',
        email: '',
        language: 'de',
        channel: 'sms',
        optOutSms: false,
        optOutEmail: false,
        notes: '',
      }).id;
    });
    // The account has a practice already: the question is "replace", with its warning; nothing changed yet.
    await c.page.getByTestId('sync-choice').waitFor();
    expect(await c.page.getByTestId('sync-replace').count()).toBe(1);
    expect(await seriousViolations(c.page, '[data-testid="sync-choice"]')).toEqual([]);
    expect(c.core.patients.get(own).lastName).toBe('Patientin');
    await c.page.getByTestId('sync-later').click();
    await c.page.getByTestId('sync-choice').waitFor({ state: 'detached' });
    expect(c.core.patients.get(own).lastName).toBe('Patientin');
    expect(c.core.practice.practitioners().map((p) => p.name)).not.toContain('Dr. Weber');
  });
});
