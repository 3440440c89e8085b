/**
 * The front desk's day in Chromium over the real core (issue 15): cancelling with a reason and a notice,
 * struck through and filterable, undone from the toast; moving from the appointment's dialog to a day the
 * week does not show; keyboard access to appointments; the day list with one-click states, print layout
 * and PDF (read back by pdf.js); the next free slot and the "no reminder" warning when booking; the
 * patient page. Receptionist's screen size: 1366×768.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../src-renderer/locales/en/common.json';
import { instantAt, localParts, shiftDate } from '../../src-renderer/app/time';
import type { Patient } from '../../src-preload/contract';
import { targetDay } from '../harness/agendaDays';
import { launchChromium } from '../harness/chromium';
import { pdfText } from '../harness/pdfText';
import { ROOT, startHarness, type Harness } from '../harness/testBridge';

const ZONE = 'Europe/Berlin';
let browser: Browser;
let harness: Harness;
let weber = '';
let lind = '';
let type = '';
let anna: Patient;
let ben: Patient;

beforeAll(async () => {
  browser = await launchChromium();
  harness = await startHarness({
    browser,
    osLocales: ['en-GB'],
    timeZone: ZONE,
    viewport: { width: 1366, height: 768 },
  });
  const core = harness.core;
  core.practice.updatePractice({ name: 'Praxis am Park', phone: '+49 30 1234567', country: 'DE' });
  const tenantId = core.practice.tenants()[0]!.id;
  weber = core.practice.createPractitioner({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId }).id;
  lind = core.practice.createPractitioner({ name: 'Dr. Lind', colour: '#8a4fd8', tenantId }).id;
  type = core.practice.types().find((t) => t.durationMin === 30)!.id;
  const patient = (firstName: string, lastName: string, mobile: string) =>
    core.patients.create({
      firstName,
      lastName,
      birthDate: '1980-05-17',
      mobile,
      email: `${firstName.toLowerCase()}@example.org`,
      language: 'de',
      channel: 'sms',
      optOutSms: false,
      optOutEmail: false,
      notes: 'Allergie: Penicillin',
    });
  anna = patient('Anna', 'Berg', '0171 2345678');
  ben = patient('Ben', 'Lund', '0172 9876543');
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
});

const book = (patientId: string | null, startAt: number, practitionerId = weber) => {
  const result = harness.core.agenda.book({
    patientId,
    practitionerId,
    roomId: null,
    typeId: type,
    startAt,
    endAt: null,
    notes: '',
    allowOverlap: true,
    sendConfirmation: false,
  });
  if (result.kind !== 'done') throw new Error('not booked');
  return result.appointment;
};

describe('the front desk’s day', () => {
  it('cancels with a reason and a notice, keeps it visible struck through, and undoes it from the toast', async () => {
    const { page } = harness;
    const day = targetDay(ZONE);
    const appointment = book(anna.id, instantAt(day, 600, ZONE));
    const [reminder] = harness.core.messages.forAppointment(appointment.id);
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(day);
    await page.getByTestId(`appointment-${appointment.id}`).click();
    await page.getByTestId('appointment-cancel').click();
    await page.getByTestId('cancel-reason').fill('Patientin krank');
    // Telling the patient is offered, not preset; the text is in the patient's language and can be changed.
    expect(await page.getByTestId('cancel-tell').isChecked()).toBe(false);
    await page.getByTestId('cancel-tell').check();
    const notice = await page.getByTestId('cancel-notice').inputValue();
    expect(notice).toContain('Ihr Termin am');
    expect(notice).toContain('10:00');
    await page.getByTestId('cancel-confirm-yes').click();
    await page.getByTestId('appointment-dialog').waitFor({ state: 'detached' });

    await expect.poll(() => harness.core.agenda.get(appointment.id).status).toBe('cancelled');
    expect(harness.core.agenda.get(appointment.id).cancelReason).toBe('Patientin krank');
    const sent = harness.core.messages.forAppointment(appointment.id).find((m) => m.kind === 'free_text')!;
    expect(sent).toMatchObject({ status: 'scheduled', recipient: '+491712345678' });
    expect(sent.body).toContain('Guten Tag Anna Berg');
    const toast = page.getByTestId('toast').filter({ hasText: en.agenda.toast.cancelledTold });
    await toast.waitFor();
    // Still in the agenda, struck through; hidden when cancelled ones are filtered out.
    const block = page.getByTestId(`appointment-${appointment.id}`);
    await expect.poll(() => block.getAttribute('data-status')).toBe('cancelled');
    expect(await block.evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe('line-through');
    await page.getByTestId('agenda-show-cancelled').uncheck();
    await block.waitFor({ state: 'detached' });
    await page.getByTestId('agenda-show-cancelled').check();
    await block.waitFor();

    await toast.getByTestId('toast-action').click();
    await expect.poll(() => harness.core.agenda.get(appointment.id).status).toBe('booked');
    const after = harness.core.messages.forAppointment(appointment.id);
    expect(after.find((m) => m.id === reminder!.id)!.status).toBe('scheduled');
    expect(after.find((m) => m.id === sent.id)!.status).toBe('cancelled');
    await page.getByTestId('toast').filter({ hasText: en.agenda.toast.undo_restored }).waitFor();
    await expect.poll(() => block.getAttribute('data-status')).toBe('booked');
  });

  it('moves from the dialog to a day and practitioner the week does not show', async () => {
    const { page } = harness;
    const day = shiftDate(targetDay(ZONE), 1);
    const appointment = book(anna.id, instantAt(day, 9 * 60, ZONE));
    const target = shiftDate(day, 9);
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(day);
    await page.getByTestId(`appointment-${appointment.id}`).click();
    await page.getByTestId('move-date').fill(target);
    await page.getByTestId('move-time').fill('11:30');
    await page.getByTestId('move-practitioner').selectOption(lind);
    await page.getByTestId('move-submit').click();
    await page.getByTestId('decision-dialog').waitFor(); // the prepared reminder names the old time
    await page.getByTestId('decision-yes').click();
    await page.getByTestId('appointment-dialog').waitFor({ state: 'detached' });
    await expect
      .poll(() => harness.core.agenda.get(appointment.id))
      .toMatchObject({ startAt: instantAt(target, 11 * 60 + 30, ZONE), practitionerId: lind });
    await page
      .getByTestId('toast')
      .filter({ hasText: en.agenda.toast.moved.split('{{')[0]! })
      .waitFor();
  });

  it('reaches an appointment with Tab and opens it with Enter', async () => {
    const { page } = harness;
    const day = shiftDate(targetDay(ZONE), 2);
    const appointment = book(ben.id, instantAt(day, 8 * 60, ZONE));
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(day);
    await page.getByTestId(`appointment-${appointment.id}`).waitFor();
    await page.getByTestId('agenda-new').focus();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(
        (id) => document.activeElement?.getAttribute('data-testid') === `appointment-${id}`,
        appointment.id,
      );
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByTestId('appointment-dialog').waitFor();
    expect(await page.getByTestId('appointment-dialog').textContent()).toContain('Ben Lund');
    await page.keyboard.press('Escape');
    await page.getByTestId('appointment-dialog').waitFor({ state: 'detached' });
  });

  it('the day list: in time order with phone numbers, one-click states, stage filter, print layout and PDF', async () => {
    const { page } = harness;
    const today = harness.core.agenda.today();
    const first = book(anna.id, instantAt(today, 8 * 60, ZONE));
    const second = book(ben.id, instantAt(today, 9 * 60, ZONE), lind);
    const blocked = book(null, instantAt(today, 12 * 60, ZONE));
    const cancelled = book(ben.id, instantAt(today, 13 * 60, ZONE));
    harness.core.agenda.cancel({ id: cancelled.id });
    await harness.open('today');
    const rows = page.getByTestId('today-row');
    await expect.poll(() => rows.count()).toBe(3); // cancelled ones are not expected
    expect(await rows.nth(0).textContent()).toContain('Anna Berg');
    expect(await rows.nth(0).getByTestId('today-phone').textContent()).toBe('0171 2345678');
    expect(await rows.nth(1).textContent()).toContain('Ben Lund');
    expect(await rows.nth(2).textContent()).toContain(en.agenda.blocked);

    await rows.nth(0).getByTestId('today-to-arrived').click();
    await expect.poll(() => harness.core.agenda.get(first.id).status).toBe('arrived');
    await rows.nth(0).getByTestId('today-to-in_treatment').click();
    await expect.poll(() => harness.core.agenda.get(first.id).status).toBe('in_treatment');
    await rows.nth(1).getByTestId('today-to-no_show').click();
    await expect.poll(() => harness.core.agenda.get(second.id).status).toBe('no_show');
    await expect.poll(() => rows.nth(0).getAttribute('data-status')).toBe('in_treatment');
    expect(await page.getByTestId('today-stage-in_treatment').textContent()).toBe(
      en.today.stage.in_treatment.replace('{{n}}', '1'),
    );
    await page.getByTestId('today-stage-no_show').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Ben Lund');
    await page.getByTestId('today-stage-no_show').click();
    await page.getByTestId('today-practitioner').selectOption(weber);
    await expect.poll(() => rows.count()).toBe(2);
    expect(harness.core.agenda.get(blocked.id).status).toBe('booked');

    // Printing shows the list alone: no navigation, no buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('today-list').isVisible()).toBe(true);
    expect(await page.getByTestId('nav-agenda').isVisible()).toBe(false);
    expect(await rows.first().getByTestId('today-to-done').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    await page.getByTestId('today-pdf').click();
    await page.getByTestId('toast').filter({ hasText: en.today.pdfSaved }).waitFor();
    const [name, path] = [...harness.savedFiles].find(([file]) => file.startsWith('Day list'))!;
    expect(name).toBe(`Day list ${today} Dr. Weber.pdf`);
    const text = await pdfText(readFileSync(path), { pages: 'all' });
    expect(text).toContain('Dr. Weber');
    expect(text).toContain('Anna Berg');
    expect(text).toContain('0171 2345678');
    expect(text).toContain('In treatment');
    expect(text).not.toContain('Ben Lund'); // Dr. Lind's patient
    // English for a practice in Germany: dates day first (en-GB), as on the screen, not the US order.
    const noon = new Date(`${today}T12:00:00Z`);
    expect(text).toContain(new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: 'UTC' }).format(noon));
    expect(text).not.toContain(new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeZone: 'UTC' }).format(noon));
  });

  it('finds the next free time for the booking and warns when no reminder can go any more', async () => {
    const { page } = harness;
    await harness.open('agenda');
    await page.getByTestId('agenda-new').click();
    await page.getByTestId('booking-dialog').waitFor();
    await page.getByTestId('booking-practitioner').selectOption(weber);
    await page.getByTestId('booking-type').selectOption(type);
    await page.getByTestId('booking-next-free').click();
    await page.getByTestId('booking-free-list').waitFor();
    const expected = harness.core.agenda.nextFree({ practitionerId: weber, typeId: type, after: Date.now(), count: 6 });
    expect(await page.getByTestId('booking-free-slot').count()).toBe(expected.length);
    await page.getByTestId('booking-free-slot').first().click();
    const local = localParts(expected[0]!.startAt, ZONE);
    expect(await page.getByTestId('booking-date').inputValue()).toBe(local.date);
    expect(await page.getByTestId('booking-time').inputValue()).toBe(
      `${String(Math.floor(local.minute / 60)).padStart(2, '0')}:${String(local.minute % 60).padStart(2, '0')}`,
    );

    // A patient whose type reminds 24 hours before, booked for two hours from now: the dialog says so.
    await page.getByTestId('patient-picker').fill('Berg');
    await page.getByTestId('patient-picker-option').first().click();
    const soon = localParts(Date.now() + 2 * 3_600_000, ZONE);
    await page.getByTestId('booking-date').fill(soon.date);
    await page
      .getByTestId('booking-time')
      .fill(`${String(Math.floor(soon.minute / 60)).padStart(2, '0')}:${String(soon.minute % 60).padStart(2, '0')}`);
    await expect
      .poll(() => page.getByTestId('booking-no-reminder').textContent())
      .toBe(en.agenda.free.noReminderDays_one);
    await page.keyboard.press('Escape');
    await page.getByTestId('booking-dialog').waitFor({ state: 'detached' });
  });

  it('settings: opening hours (refused when they end before they start), time zone and country from lists', async () => {
    const { page } = harness;
    await harness.open('settings');
    await page.getByTestId('practice-opens').fill('09:00');
    await page.getByTestId('practice-closes').fill('08:00');
    await page.getByTestId('practice-save').click();
    await page.getByText(en.errors.field.opening_end_before_start).waitFor();
    expect(harness.core.practice.practice()).toMatchObject({ openingStart: 480, openingEnd: 1080 });

    await page.getByTestId('practice-closes').fill('17:30');
    await page.getByTestId('practice-day-6').check();
    // Lists, not free text: the names are the UI language's, the values the codes.
    expect(await page.getByTestId('practice-country').locator('option[value="CH"]').textContent()).toBe('Switzerland');
    expect(await page.getByTestId('practice-timeZone').locator('option[value="Europe/Zurich"]').count()).toBe(1);
    await page.getByTestId('practice-save').click();
    await expect
      .poll(() => harness.core.practice.practice())
      .toMatchObject({ openingStart: 540, openingEnd: 1050, openingDays: [1, 2, 3, 4, 5, 6], country: 'DE' });
    // The agenda shades the closed hours: before 09:00 and after 17:30 on a Wednesday.
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(targetDay(ZONE));
    await expect.poll(() => page.getByTestId(`agenda-col-${weber}`).getByTestId('agenda-closed').count()).toBe(2);
    harness.core.practice.updatePractice({ openingStart: 480, openingEnd: 1080, openingDays: [1, 2, 3, 4, 5] });

    // Dr. Lind leaves: renamed rows and colours are edited in place; deactivated, no longer offered.
    await harness.open('settings');
    const lindRow = page.getByTestId('team-practitioner').filter({ hasText: 'Dr. Lind' });
    await lindRow.getByTestId('team-practitioner-active').click();
    await expect.poll(() => harness.core.practice.practitioner(lind).active).toBe(false);
    await expect.poll(() => lindRow.getAttribute('data-active')).toBe('false');
    await harness.open('agenda');
    await page.getByTestId('agenda-new').click();
    const offered = await page.getByTestId('booking-practitioner').locator('option').allTextContents();
    expect(offered).toEqual(['Dr. Weber']);
    await page.keyboard.press('Escape');
    harness.core.practice.setActive('practitioners', lind, true);
  });

  it('a practitioner’s own working hours: refused when they end before they start; the agenda and the next free time follow them', async () => {
    const { page } = harness;
    await harness.open('settings');
    // By position: in edit mode the name is an input's value, which a text filter does not see.
    const names = await page.getByTestId('team-practitioner').allTextContents();
    const row = page.getByTestId('team-practitioner').nth(names.findIndex((name) => name.includes('Dr. Weber')));
    await row.getByTestId('team-practitioner-edit').click();
    const hours = row.getByTestId('team-practitioner-hours');
    await hours.getByTestId('team-practitioner-hours-own').check();
    await hours.getByTestId('team-practitioner-hours-start').fill('10:00');
    await hours.getByTestId('team-practitioner-hours-end').fill('09:00');
    await row.getByTestId('team-practitioner-save').click();
    await hours.getByText(en.errors.field.opening_end_before_start).waitFor();
    expect(harness.core.practice.practitioner(weber).workingHours).toBeNull();

    // Tuesday to Thursday, 10:00–14:30 (the practice is open Monday to Friday, 08:00–18:00).
    await hours.getByTestId('team-practitioner-hours-end').fill('14:30');
    await hours.getByTestId('team-practitioner-hours-day-1').uncheck();
    await hours.getByTestId('team-practitioner-hours-day-5').uncheck();
    await row.getByTestId('team-practitioner-save').click();
    await expect
      .poll(() => harness.core.practice.practitioner(weber).workingHours)
      .toEqual({ start: 600, end: 870, days: [2, 3, 4] });
    await row.getByTestId('team-practitioner-hours-summary').waitFor();

    // The day view shades Dr. Weber's column from his hours, Dr. Lind's from the practice's.
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(targetDay(ZONE)); // a Wednesday
    const firstClosed = (id: string) =>
      page
        .getByTestId(`agenda-col-${id}`)
        .getByTestId('agenda-closed')
        .first()
        .evaluate((el) => el.getBoundingClientRect().height);
    await expect.poll(() => page.getByTestId(`agenda-col-${weber}`).getByTestId('agenda-closed').count()).toBe(2);
    // Closed until 10:00 for him, until 08:00 for her: two hours more at 1.5 px per minute (or the zoom's).
    const [his, hers] = [await firstClosed(weber), await firstClosed(lind)];
    expect(his - hers).toBeGreaterThanOrEqual(120 * 1.5 - 1);
    // The next free times: only Tuesday to Thursday, between 10:00 and 14:30, in Berlin.
    const free = harness.core.agenda.nextFree({ practitionerId: weber, typeId: type, after: Date.now(), count: 12 });
    expect(free.length).toBe(12);
    for (const slot of free) {
      const start = localParts(slot.startAt, ZONE);
      const end = localParts(slot.endAt, ZONE);
      expect([2, 3, 4]).toContain(new Date(`${start.date}T12:00:00Z`).getUTCDay());
      expect(start.minute).toBeGreaterThanOrEqual(600);
      expect(end.minute).toBeLessThanOrEqual(870);
    }

    // Back to the practice's hours.
    await harness.open('settings');
    await row.getByTestId('team-practitioner-edit').click();
    await hours.getByTestId('team-practitioner-hours-own').uncheck();
    await row.getByTestId('team-practitioner-save').click();
    await expect.poll(() => harness.core.practice.practitioner(weber).workingHours).toBeNull();
  });

  it('the practice’s logo: picked, made small, kept; a file that is no image and an SVG are refused', async () => {
    const { page } = harness;
    await harness.open('settings');
    await page.getByTestId('practice-logo').setInputFiles(join(ROOT, 'assets', 'icon.png')); // 512 × 512
    const preview = page.getByTestId('practice-logo-preview');
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);
    await page.getByTestId('practice-save').click();
    await expect.poll(() => harness.core.practice.practice().logo).toMatch(/^data:image\/(png|webp);base64,/);
    expect(harness.core.practice.practice().logo.length).toBeLessThanOrEqual(20_000);

    // Not an image: said at once, nothing changes.
    const kept = harness.core.practice.practice().logo;
    await page.getByTestId('practice-logo').setInputFiles({
      name: 'logo.png',
      mimeType: 'image/png',
      buffer: Buffer.from('this is not a picture'),
    });
    expect(await page.getByTestId('practice-logo-error').textContent()).toBe(en.errors.field.logo_unreadable);
    // An SVG (it could carry script) through the bridge, past the file picker: refused with its reason.
    const svg = await page.evaluate(() =>
      window.clinic.practice.update({ logo: 'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+' }),
    );
    expect(svg).toMatchObject({
      ok: false,
      error: { code: 'validation', issues: [{ path: 'logo', code: 'logo_invalid' }] },
    });
    expect(harness.core.practice.practice().logo).toBe(kept);

    await page.getByTestId('practice-logo-remove').click();
    await page.getByTestId('practice-save').click();
    await expect.poll(() => harness.core.practice.practice().logo).toBe('');
  });

  it('the patient page: details, appointments, messages and recalls; books with the patient chosen', async () => {
    const { page } = harness;
    harness.core.recalls.create({ patientId: ben.id, dueDate: shiftDate(targetDay(ZONE), 60), reason: 'Kontrolle' });
    const upcoming = book(ben.id, instantAt(shiftDate(targetDay(ZONE), 3), 15 * 60, ZONE));
    await harness.open('patients');
    await page.getByTestId('patient-open').filter({ hasText: 'Lund' }).click();
    const pageView = page.getByTestId('patient-page');
    await pageView.waitFor();
    expect(await page.getByTestId('patient-page-name').textContent()).toBe('Ben Lund');
    expect(await page.getByTestId('patient-page-mobile').textContent()).toBe('0172 9876543');
    expect(await pageView.textContent()).toContain('Allergie: Penicillin');
    const appointments = page.getByTestId('patient-appointment');
    await expect.poll(() => appointments.count()).toBe(harness.core.agenda.forPatient(ben.id).length);
    expect(await appointments.filter({ hasText: en.agenda.status.cancelled }).count()).toBeGreaterThan(0);
    // Every message to Ben (his reminders, of this and earlier bookings), none of Anna's.
    const messages = harness.core.messages.list({ statuses: [], kinds: [], limit: 100, patientId: ben.id });
    expect(messages.some((m) => m.appointmentId === upcoming.id && m.kind === 'reminder')).toBe(true);
    await expect.poll(() => page.getByTestId('patient-message-row').count()).toBe(messages.length);
    expect(await pageView.textContent()).not.toContain('Anna');
    expect(await page.getByTestId('patient-recall').textContent()).toContain('Kontrolle');

    await page.getByTestId('patient-book').click();
    await page.getByTestId('booking-dialog').waitFor();
    expect(await page.getByTestId('patient-picker-selected').textContent()).toBe('Ben Lund');
    await page.getByTestId('booking-date').fill(shiftDate(targetDay(ZONE), 4));
    await page.getByTestId('booking-time').fill('14:00');
    await page.getByTestId('booking-submit').click();
    await page.getByTestId('booking-dialog').waitFor({ state: 'detached' });
    const booked = harness.core.agenda
      .forPatient(ben.id)
      .find((a) => a.startAt === instantAt(shiftDate(targetDay(ZONE), 4), 14 * 60, ZONE));
    expect(booked).toBeTruthy();
    await expect.poll(() => appointments.count()).toBe(harness.core.agenda.forPatient(ben.id).length);

    await page.getByTestId('patient-invite').click();
    await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(en.nav.calls);
  });
});
