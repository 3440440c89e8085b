/**
 * axe-core on every view and dialog of the staff app and on the patient's guest page: no critical or
 * serious violation (issue 15). Views are filled with data, so tables, blocks and lists are checked too.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWS } from '../../src-preload/contract';
import { instantAt } from '../../src-renderer/app/time';
import { targetDay } from '../harness/agendaDays';
import { seriousViolations } from '../harness/axe';
import { launchChromium } from '../harness/chromium';
import { startHarness, type Harness } from '../harness/testBridge';

const ZONE = 'Europe/Berlin';
let browser: Browser;
let harness: Harness;
let appointmentId = '';

beforeAll(async () => {
  browser = await launchChromium();
  harness = await startHarness({
    browser,
    osLocales: ['de-DE'],
    timeZone: ZONE,
    viewport: { width: 1366, height: 768 },
  });
  const core = harness.core;
  core.practice.updatePractice({ name: 'Praxis am Park', phone: '+49 30 1234567', country: 'DE' });
  const tenantId = core.practice.tenants()[0]!.id;
  const weber = core.practice.createPractitioner({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId }).id;
  core.practice.createRoom({ name: 'Raum 1' });
  const patient = core.patients.create({
    firstName: 'Anna',
    lastName: 'Berg',
    birthDate: '1980-05-17',
    mobile: '0171 2345678',
    email: 'anna@example.org',
    language: 'de',
    channel: 'sms',
    optOutSms: false,
    optOutEmail: false,
    notes: '',
  });
  const type = core.practice.types()[0]!.id;
  const book = (startAt: number) => {
    const result = core.agenda.book({
      patientId: patient.id,
      practitionerId: weber,
      roomId: null,
      typeId: type,
      startAt,
      endAt: null,
      notes: '',
      allowOverlap: true,
      sendConfirmation: false,
    });
    if (result.kind !== 'done') throw new Error('not booked');
    return result.appointment.id;
  };
  appointmentId = book(instantAt(targetDay(ZONE), 600, ZONE));
  book(instantAt(core.agenda.today(), 9 * 60, ZONE));
  core.recalls.create({ patientId: patient.id, dueDate: targetDay(ZONE), reason: 'Kontrolle' });
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
});

describe('accessibility (axe-core)', () => {
  it('finds a violation when there is one (the check itself works)', async () => {
    const { page } = harness;
    await harness.open('agenda');
    await page.evaluate(() => {
      const button = document.createElement('button');
      button.setAttribute('data-testid', 'nameless');
      document.querySelector('main')!.append(button);
    });
    expect((await seriousViolations(page)).map((v) => v.id)).toContain('button-name');
    await page.evaluate(() => document.querySelector('[data-testid="nameless"]')!.remove());
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('every view has no critical or serious violation, with its data loaded', async () => {
    const { page } = harness;
    const found: Record<string, unknown> = {};
    // What each view shows once its data is there (the agenda's appointment, the patient's row …).
    const loaded: Partial<Record<string, string>> = {
      agenda: 'agenda-legend',
      today: 'today-row',
      patients: 'patient-row',
      messages: 'message-row',
    };
    for (const view of VIEWS.filter((v) => v !== 'admin')) {
      await harness.open(view);
      await page.getByTestId(`view-${view}`).or(page.getByTestId('view-title')).first().waitFor();
      if (loaded[view]) await page.getByTestId(loaded[view]).first().waitFor();
      const problems = await seriousViolations(page);
      if (problems.length > 0) found[view] = problems;
    }
    expect(found).toEqual({});
  });

  it('every dialog of the front desk has no critical or serious violation', async () => {
    const { page } = harness;
    const found: Record<string, unknown> = {};
    const check = async (name: string, scope: string) => {
      const problems = await seriousViolations(page, scope);
      if (problems.length > 0) found[name] = problems;
    };
    await harness.open('agenda');
    await page.getByTestId('agenda-date').fill(targetDay(ZONE));
    await page.getByTestId(`appointment-${appointmentId}`).click();
    await check('appointment', '[data-testid="appointment-dialog"]');
    await page.getByTestId('appointment-cancel').click();
    await page.getByTestId('cancel-tell').check();
    await check('cancel', '[data-testid="appointment-dialog"]');
    await page.keyboard.press('Escape');
    await page.getByTestId('agenda-new').click();
    await page.getByTestId('booking-next-free').click();
    await page.getByTestId('booking-free-list').waitFor();
    await check('booking', '[data-testid="booking-dialog"]');
    await page.keyboard.press('Escape');

    await harness.open('patients');
    await page.getByTestId('patient-new').click();
    await check('patient form', '[data-testid="patient-form"]');
    await page.keyboard.press('Escape');
    await page.getByTestId('patient-open').first().click();
    await page.getByTestId('patient-page').waitFor();
    await check('patient page', 'main');
    await page.getByTestId('patient-message').click();
    await check('compose', '[data-testid="compose-dialog"]');
    await page.keyboard.press('Escape');
    await page.getByTestId('patient-add-recall').click();
    await page.getByTestId('recall-dialog').waitFor();
    await check('recall', '[data-testid="recall-dialog"]');
    await page.keyboard.press('Escape');

    // The messages view's other tabs: the template editor and the recalls.
    await harness.open('messages');
    await page.getByTestId('messages-tab-templates').click();
    await page.getByTestId('template-language-de').waitFor();
    await check('templates', 'main');
    await page.getByTestId('messages-tab-recalls').click();
    await page.getByTestId('recall-table').waitFor();
    await check('recalls', 'main');
    expect(found).toEqual({});
  });

  it('input borders and the focus ring stand out at least 3:1 from what is behind them (WCAG 1.4.11)', async () => {
    const { page } = harness;
    await harness.open('settings');
    await page.getByTestId('practice-form').waitFor();
    /** Contrast per WCAG 2.x of an element's border (or outline) against the nearest opaque background. */
    const measure = (selector: string, property: 'borderTopColor' | 'outlineColor') =>
      page.evaluate(
        ([sel, prop]) => {
          const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
          const luminance = ([r, g, b]: number[]) => {
            const f = (c: number) => {
              const s = c / 255;
              return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
          };
          const backdrop = (el: Element | null): number[] => {
            for (let e = el; e; e = e.parentElement) {
              const c = rgb(getComputedStyle(e).backgroundColor);
              if (c.length === 3 || (c.length === 4 && c[3]! > 0.9)) return c.slice(0, 3);
            }
            return [255, 255, 255];
          };
          return [...document.querySelectorAll(sel!)].slice(0, 20).map((el) => {
            const [a, b] = [
              luminance(rgb(getComputedStyle(el)[prop as 'outlineColor'])),
              luminance(backdrop(el.parentElement)),
            ];
            return Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100;
          });
        },
        [selector, property] as const,
      );
    const borders = await measure('main input:not([type=checkbox]):not([type=color]), main select', 'borderTopColor');
    expect(borders.length).toBeGreaterThan(3);
    expect(borders.filter((ratio) => ratio < 3)).toEqual([]);
    await page.getByTestId('practice-save').focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab'); // keyboard focus, so :focus-visible applies
    const rings = await measure('main :focus-visible', 'outlineColor');
    expect(rings.length).toBe(1);
    expect(rings[0]).toBeGreaterThanOrEqual(3);
  });

  it('moves focus into a dialog and back to what opened it when it closes', async () => {
    const { page } = harness;
    await harness.open('agenda');
    await page.getByTestId('agenda-new').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('booking-dialog').waitFor();
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    await page.keyboard.press('Escape');
    await page.getByTestId('booking-dialog').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('agenda-new');
  });

  it('the patient’s guest page has no critical or serious violation on a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE' });
    const page = await context.newPage();
    try {
      await page.goto(`${harness.origin}/guest.html`);
      await page.locator('main, form, h1').first().waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
