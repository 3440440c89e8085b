/**
 * Nothing changes data without the user meaning it (issue 15's "unsafe today"), in Chromium over the real
 * core: the patient picker's keyboard never submits the booking, Escape on the reminder question cancels
 * the whole move, cancelling an appointment and withdrawing a message ask first, and Escape on a patient
 * form with changes asks before throwing them away.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantAt, shiftDate } from '../../src-renderer/app/time';
import { seriousViolations } from '../harness/axe';
import { targetDay } from '../harness/agendaDays';
import { launchChromium } from '../harness/chromium';
import { startHarness, type Harness } from '../harness/testBridge';

const ZONE = 'Europe/Berlin';
let browser: Browser;
let harness: Harness;
let weber = '';

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
  weber = core.practice.createPractitioner({
    name: 'Dr. Weber',
    colour: '#0b6e6e',
    tenantId: core.practice.tenants()[0]!.id,
  }).id;
  for (const lastName of ['Berg', 'Bergmann']) {
    core.patients.create({
      firstName: 'Anna',
      lastName,
      birthDate: '1980-05-17',
      mobile: lastName === 'Berg' ? '0171 2345678' : '0171 2345679',
      email: null,
      language: 'de',
      channel: 'sms',
      optOutSms: false,
      optOutEmail: false,
      notes: '',
    });
  }
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
});

describe('safe actions', () => {
  it('the patient picker: arrows and Enter choose a patient and never submit the booking', async () => {
    const { page } = harness;
    const day = targetDay(ZONE);
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(day);
    const zoom = Number(await page.getByTestId('agenda-zoom').inputValue());
    await page.getByTestId(`agenda-col-${weber}`).click({ position: { x: 30, y: 3 * 60 * zoom + 2 } });
    await page.getByTestId('booking-dialog').waitFor();
    const picker = page.getByTestId('patient-picker');
    // Enter with nothing chosen does nothing (it used to book an appointment without a patient).
    await picker.press('Enter');
    await picker.fill('Berg');
    await expect.poll(() => page.getByTestId('patient-picker-option').count()).toBe(2);
    await picker.press('Enter'); // two matches, none highlighted: still nothing
    await picker.press('ArrowDown');
    await picker.press('ArrowDown');
    await expect.poll(() => picker.getAttribute('aria-activedescendant')).toMatch(/-1$/);
    await picker.press('Enter');
    await expect.poll(() => page.getByTestId('patient-picker-selected').textContent()).toBe('Anna Bergmann');
    expect(await page.getByTestId('booking-dialog').isVisible()).toBe(true);
    expect(harness.core.agenda.day(day, 'practitioner').appointments).toEqual([]);
    await page.getByTestId('booking-submit').click();
    await page.getByTestId('booking-dialog').waitFor({ state: 'detached' });
    expect(harness.core.agenda.day(day, 'practitioner').appointments).toMatchObject([{ patientName: 'Anna Bergmann' }]);
  });

  it('Escape on the reminder question cancels the whole move; the reminder stays', async () => {
    const { page } = harness;
    const day = targetDay(ZONE);
    const [appointment] = harness.core.agenda.day(day, 'practitioner').appointments;
    const reminders = harness.core.messages.forAppointment(appointment!.id);
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
    expect(await seriousViolations(page, '[data-testid="decision-dialog"]')).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByTestId('decision-dialog').waitFor({ state: 'detached' });
    expect(harness.core.agenda.get(appointment!.id).startAt).toBe(instantAt(day, 600, ZONE));
    expect(harness.core.messages.forAppointment(appointment!.id)).toEqual(reminders);
  });

  it('cancelling an appointment asks first; keeping it changes nothing', async () => {
    const { page } = harness;
    const day = targetDay(ZONE);
    const [appointment] = harness.core.agenda.day(day, 'practitioner').appointments;
    await page.getByTestId(`appointment-${appointment!.id}`).click();
    await page.getByTestId('appointment-dialog').waitFor();
    await page.getByTestId('appointment-cancel').click();
    await page.getByTestId('cancel-confirm').waitFor();
    expect(harness.core.agenda.get(appointment!.id).status).toBe('booked');
    await page.getByTestId('cancel-confirm-keep').click();
    await page.getByTestId('cancel-confirm').waitFor({ state: 'detached' });
    expect(harness.core.agenda.get(appointment!.id).status).toBe('booked');
    await page.getByTestId('appointment-cancel').click();
    await page.getByTestId('cancel-confirm-yes').click();
    await expect.poll(() => harness.core.agenda.get(appointment!.id).status).toBe('cancelled');
  });

  it('withdrawing a scheduled message asks first', async () => {
    const { page } = harness;
    const message = harness.core.messages.compose({
      channel: 'sms',
      patient: null,
      recipient: '+491712345678',
      subject: '',
      body: 'Ihr Rezept liegt bereit.',
      scheduledAt: Date.now() + 86_400_000,
      tenantId: null,
    });
    await harness.open('messages');
    const row = page.locator(`[data-testid="message-row"]`, { hasText: 'Ihr Rezept liegt bereit.' });
    await row.getByTestId('withdraw').click();
    await row.getByTestId('withdraw-confirm').waitFor();
    expect(harness.core.messages.get(message.id).status).toBe('scheduled');
    await row.getByTestId('withdraw-no').click();
    expect(harness.core.messages.get(message.id).status).toBe('scheduled');
    await row.getByTestId('withdraw').click();
    await row.getByTestId('withdraw-yes').click();
    await expect.poll(() => harness.core.messages.get(message.id).status).toBe('cancelled');
  });

  it('Escape on a patient form with changes asks before discarding them; an untouched form just closes', async () => {
    const { page } = harness;
    await harness.open('patients');
    await page.getByTestId('patient-new').click();
    await page.getByTestId('patient-form').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('patient-form').waitFor({ state: 'detached' });

    await page.getByTestId('patient-new').click();
    await page.getByTestId('patient-firstName').fill('Jonas');
    await page.keyboard.press('Escape');
    await page.getByTestId('discard-confirm').waitFor();
    await page.getByTestId('discard-confirm-keep').click();
    expect(await page.getByTestId('patient-firstName').inputValue()).toBe('Jonas');
    await page.keyboard.press('Escape');
    await page.getByTestId('discard-confirm-yes').click();
    await page.getByTestId('patient-form').waitFor({ state: 'detached' });
  });
});
