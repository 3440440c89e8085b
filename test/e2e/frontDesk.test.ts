/**
 * The front desk in Chromium over the real core: create a patient, book with a reminder, drag to another
 * day and answer the reminder question, copy, and compose an SMS with an emoji.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantAt, shiftDate } from '../../src-renderer/app/time';
import en from '../../src-renderer/locales/en/common.json';
import { targetDay } from '../harness/agendaDays';
import { launchChromium } from '../harness/chromium';
import { startHarness, type Harness } from '../harness/testBridge';

const ZONE = 'Europe/Berlin';
let browser: Browser;
let harness: Harness;

beforeAll(async () => {
  browser = await launchChromium();
  harness = await startHarness({
    browser,
    osLocales: ['en-US'],
    timeZone: ZONE,
    viewport: { width: 1400, height: 900 },
  });
  const core = harness.core;
  core.practice.updatePractice({ name: 'Praxis am Park', phone: '+49 30 1234567', country: 'DE' });
  core.practice.createPractitioner({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId: core.practice.tenants()[0]!.id });
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
});

describe('front desk, end to end', () => {
  it('creates a patient, refusing a landline first', async () => {
    const { page } = harness;
    await harness.open('patients');
    await page.getByTestId('patient-new').click();
    await page.getByTestId('patient-firstName').fill('Anna');
    await page.getByTestId('patient-lastName').fill('Berg');
    await page.getByTestId('patient-birthDate').fill('1980-05-17');
    await page.getByTestId('patient-mobile').fill('030 1234567');
    await page.getByTestId('patient-save').click();
    await expect
      .poll(() => page.getByTestId('patient-mobile-error').textContent())
      .toBe(en.errors.field.phone_not_mobile);
    expect(harness.core.patients.search('', 10)).toEqual([]);

    await page.getByTestId('patient-mobile').fill('0171 2345678');
    await page.getByTestId('patient-save').click();
    await page.getByTestId('patient-row').first().waitFor();
    // Stored as E.164, shown in the practice's national format for reading.
    expect(await page.getByTestId('patient-row').first().textContent()).toContain('0171 2345678');
    expect(harness.core.patients.search('Berg', 10)).toMatchObject([{ firstName: 'Anna', mobile: '+491712345678' }]);
  });

  it('books an appointment and shows its reminder, 24 hours before', async () => {
    const { page } = harness;
    const day = targetDay(ZONE);
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(day);
    const weber = harness.core.practice.practitioners()[0]!;
    const column = page.getByTestId(`agenda-col-${weber.id}`);
    // 10:00 is (10:00 − 07:00) × the zoom's pixels per minute below the top of the column.
    const zoom = Number(await page.getByTestId('agenda-zoom').inputValue());
    expect(zoom).toBeGreaterThanOrEqual(1.5); // issue 15: at least 1.5 px per minute
    await column.click({ position: { x: 30, y: 3 * 60 * zoom + 2 } });
    await page.getByTestId('booking-dialog').waitFor();
    expect(await page.getByTestId('booking-time').inputValue()).toBe('10:00');
    await page.getByTestId('patient-picker').fill('Berg');
    await page.getByTestId('patient-picker-option').first().click();
    await page.getByTestId('booking-submit').click();
    await page.getByTestId('booking-dialog').waitFor({ state: 'detached' });

    const [appointment] = harness.core.agenda.day(day, 'practitioner').appointments;
    expect(appointment).toMatchObject({ startAt: instantAt(day, 600, ZONE), patientName: 'Anna Berg' });
    const block = page.getByTestId(`appointment-${appointment!.id}`);
    await block.waitFor();
    expect(Number(await block.getByTestId('appointment-reminder').getAttribute('data-at'))).toBe(
      instantAt(shiftDate(day, -1), 600, ZONE),
    );
  });

  it('moves it by drag and drop to the next day; "yes" prepares a reminder for the new time', async () => {
    const { page } = harness;
    const day = targetDay(ZONE);
    const [appointment] = harness.core.agenda.day(day, 'practitioner').appointments;
    await page.getByTestId('agenda-mode-week').click();
    const block = page.getByTestId(`appointment-${appointment!.id}`);
    await block.waitFor();
    const source = (await block.boundingBox())!;
    const from = (await page.getByTestId(`agenda-col-${day}`).boundingBox())!;
    await block.dragTo(page.getByTestId(`agenda-col-${shiftDate(day, 1)}`), {
      sourcePosition: { x: 10, y: 4 },
      targetPosition: { x: 10, y: source.y - from.y + 4 },
    });
    await page.getByTestId('decision-dialog').waitFor();
    expect(await page.getByTestId('decision-dialog').textContent()).toContain(en.agenda.decision.reminderBody);
    await page.getByTestId('decision-yes').click();

    const newStart = instantAt(shiftDate(day, 1), 600, ZONE);
    await expect.poll(() => harness.core.agenda.get(appointment!.id).startAt).toBe(newStart);
    await expect
      .poll(async () => Number(await block.getByTestId('appointment-reminder').getAttribute('data-at')))
      .toBe(newStart - 86_400_000);
    const reminders = harness.core.messages.forAppointment(appointment!.id).filter((m) => m.kind === 'reminder');
    expect(reminders.map((m) => [m.status, m.scheduledAt]).sort()).toEqual(
      [
        ['cancelled', instantAt(shiftDate(day, -1), 600, ZONE)],
        ['scheduled', newStart - 86_400_000],
      ].sort(),
    );
  });

  it('copies it: the copy plans no reminder by itself; one added in the dialog names the copy’s time', async () => {
    const { page } = harness;
    const day = shiftDate(targetDay(ZONE), 1);
    const [original] = harness.core.agenda.day(day, 'practitioner').appointments;
    const originalReminders = harness.core.messages.forAppointment(original!.id);
    await page.getByTestId(`appointment-${original!.id}`).click();
    await page.getByTestId('appointment-dialog').waitFor();
    await page.getByTestId('copy-date').fill(shiftDate(day, 7));
    await page.getByTestId('copy-submit').click();
    await page.getByTestId('appointment-dialog').waitFor({ state: 'detached' });

    const [copy] = harness.core.agenda.day(shiftDate(day, 7), 'practitioner').appointments;
    expect(copy).toMatchObject({ patientName: 'Anna Berg', startAt: instantAt(shiftDate(day, 7), 600, ZONE) });
    expect(harness.core.messages.forAppointment(copy!.id)).toEqual([]);
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(shiftDate(day, 7));
    await page.getByTestId(`appointment-${copy!.id}`).click();
    await page.getByTestId('appointment-dialog').waitFor();
    await page.getByTestId('reminder-lead').selectOption('1440');
    await page.getByTestId('reminder-add').click();
    await page.getByTestId('appointment-dialog').waitFor({ state: 'detached' });
    const copied = harness.core.messages.forAppointment(copy!.id);
    expect(copied).toHaveLength(1);
    expect(copied[0]).toMatchObject({ kind: 'reminder', status: 'scheduled', scheduledAt: copy!.startAt - 86_400_000 });
    expect(originalReminders.map((m) => m.id)).not.toContain(copied[0]!.id);
    expect(harness.core.messages.forAppointment(original!.id)).toEqual(originalReminders);
  });

  it('edits an appointment by click: a new note is saved, the reminder stays', async () => {
    const { page } = harness;
    const day = shiftDate(targetDay(ZONE), 8);
    const [copy] = harness.core.agenda.day(day, 'practitioner').appointments;
    const reminders = harness.core.messages.forAppointment(copy!.id);
    await page.getByTestId('agenda-date').fill(day); // the copy is in the following week
    await page.getByTestId(`appointment-${copy!.id}`).click();
    await page.getByTestId('edit-notes').fill('Bitte Befunde mitbringen');
    await page.getByTestId('edit-save').click();
    await page.getByTestId('appointment-dialog').waitFor({ state: 'detached' });
    expect(harness.core.agenda.get(copy!.id).notes).toBe('Bitte Befunde mitbringen');
    expect(harness.core.messages.forAppointment(copy!.id)).toEqual(reminders);
  });

  it('composes an SMS with an emoji and shows the UCS-2 part count as the user types', async () => {
    const { page } = harness;
    await harness.open('messages');
    await page.getByTestId('compose-open').click();
    await page.getByTestId('compose-other').check();
    await page.getByTestId('compose-recipient').fill('+49 171 2345678');
    const body = page.getByTestId('compose-body');
    const preview = page.getByTestId('cost-preview');

    // The preview of the empty text (GSM-7, no part) is there before typing: wait for the typed text's.
    const shown = async () => [
      await preview.getAttribute('data-encoding'),
      await page.getByTestId('cost-preview-parts').textContent(),
    ];
    await body.fill('a'.repeat(100));
    await expect.poll(shown).toEqual(['gsm7', '1 SMS part']);

    await body.fill(`${'a'.repeat(100)} 😀`);
    await expect.poll(shown).toEqual(['ucs2', '2 SMS parts']);
    expect(await page.getByTestId('cost-preview-encoding').textContent()).toBe(en.messages.ucs2);
    // The character that forces Unicode is named, with what the text would cost without it.
    expect(await page.getByTestId('cost-preview-unicode-char').allTextContents()).toEqual(['😀']);
    expect(await page.getByTestId('cost-preview-unicode').textContent()).toContain(
      en.messages.unicodeCost_other.replace('{{count}}', '2').replace('{{without}}', '1'),
    );

    await body.fill('Hi 😀');
    await expect.poll(() => page.getByTestId('cost-preview-parts').textContent()).toBe('1 SMS part');
    await page.getByTestId('compose-send').click();
    await page.getByTestId('compose-done').waitFor();
    const sent = harness.core.messages.list({ statuses: [], kinds: ['free_text'], limit: 5 });
    expect(sent).toMatchObject([{ recipient: '+491712345678', body: 'Hi 😀', segments: 1, status: 'scheduled' }]);
    // The list shows it at once, the number written for reading, the whole text a click away.
    await page.keyboard.press('Escape');
    const row = page.getByTestId('message-row').filter({ hasText: 'Hi 😀' });
    await row.waitFor();
    expect(await row.getByTestId('message-recipient').textContent()).toBe('0171 2345678');
    await row.getByTestId('message-text').locator('summary').click();
    expect(await row.getByTestId('message-text').getAttribute('open')).not.toBeNull();
  });
});
