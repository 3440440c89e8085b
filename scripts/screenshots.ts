/**
 * `npm run screenshots`: every view of the renderer at a receptionist's 1366×768, the guest page on a
 * desktop and on a 390 px phone, in English, German, Swedish and Danish, and a video consultation in
 * progress (both sides), through the same Chromium harness as the end-to-end tests. Writes
 * screenshots/<language>/<view>.png and screenshots/call/*.png.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VIEWS } from '../src-preload/contract';
import type { Core } from '../src-main/core/core';
import { addDays, atLocal, localDate } from '../protocol/messaging/timeZone';
import { buildServer } from '../server/app';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { launchChromium } from '../test/harness/chromium';
import { startServerFixture } from '../test/harness/serverFixture';
import { signedInApp } from '../test/harness/signedInApp';
import { RENDERER_DIR, ROOT, startHarness } from '../test/harness/testBridge';

const LANGUAGES = ['en', 'de', 'sv', 'da'] as const;

/** A small practice, so the agenda, patients and messages show real content. */
function seed(core: Core): void {
  const zone = 'Europe/Berlin';
  core.practice.updatePractice({ name: 'Praxis am Park', phone: '+49 30 1234567', country: 'DE' });
  const tenantId = core.practice.tenants()[0]!.id;
  const weber = core.practice.createPractitioner({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId });
  const lind = core.practice.createPractitioner({ name: 'Dr. Lind', colour: '#8a4fd8', tenantId });
  core.practice.createRoom({ name: 'Raum 1' });
  const types = core.practice.types();
  const people = [
    ['Anna', 'Berg', '0171 2345678'],
    ['Jonas', 'Meier', '0151 98765432'],
    ['Åsa', 'Lindqvist', '+46 70 123 45 67'],
    ['Søren', 'Jensen', '+45 20 12 34 56'],
  ].map(([firstName, lastName, mobile], i) =>
    core.patients.create({
      firstName: firstName!,
      lastName: lastName!,
      birthDate: `198${i}-0${i + 3}-1${i}`,
      mobile: mobile!,
      email: null,
      language: 'de',
      channel: 'sms',
      optOutSms: false,
      optOutEmail: false,
      notes: '',
    }),
  );
  const today = localDate(Date.now(), zone);
  const slots: [number, number, string, number][] = [
    [0, 8 * 60 + 30, weber.id, 1],
    [1, 9 * 60, weber.id, 1],
    [2, 10 * 60, lind.id, 1],
    [3, 14 * 60 + 15, lind.id, 1],
    // Today, for the day list: one in treatment, one waiting, two expected.
    [0, 8 * 60, weber.id, 0],
    [1, 8 * 60 + 30, lind.id, 0],
    [2, 11 * 60, weber.id, 0],
    [3, 15 * 60, lind.id, 0],
  ];
  const states = ['in_treatment', 'arrived'] as const;
  let n = 0;
  for (const [i, minute, practitionerId, day] of slots) {
    const booked = core.agenda.book({
      patientId: people[i]!.id,
      practitionerId,
      roomId: null,
      typeId: types[i % types.length]!.id,
      startAt: atLocal(addDays(today, day), minute, zone),
      endAt: null,
      notes: '',
      allowOverlap: true,
      sendConfirmation: false,
    });
    if (day === 0 && booked.kind === 'done' && n < states.length)
      core.agenda.setStatus(booked.appointment.id, states[n++]!);
  }
}

/** A video consultation in progress: the practitioner's window and the patient's phone, with fake devices. */
async function callInProgress(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  const server = await startServerFixture({ realClock: true, webDir: RENDERER_DIR });
  try {
    await server.registered('dr.lind');
    const app = await signedInApp(browser, server.base, 'dr.lind', 'calls');
    try {
      const { page } = app;
      await page.setViewportSize({ width: 1366, height: 768 });
      await page.getByTestId('invite-label').fill('Åsa Lindqvist');
      await page.getByTestId('invite-create').click();
      const code = (await page.getByTestId('invitation-code').textContent())!.replace(/ /g, '');
      const context = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } });
      const guest = await context.newPage();
      await guest.goto(`${server.base}/join`);
      await guest.getByTestId('guest-code').fill(code);
      await guest.getByTestId('guest-continue').click();
      await guest.getByTestId('guest-name').fill('Åsa Lindqvist');
      await guest.getByTestId('guest-consent').check();
      await guest.getByTestId('guest-details-next').click();
      await guest.getByTestId('guest-join').click();
      await page.getByTestId('knock-admit').click();
      await page.getByTestId('call-overlay').waitFor();
      await page.getByTestId('chat-input').fill('Hej! Syns jag bra?');
      await page.getByTestId('chat-send').click();
      await guest.getByTestId('call-screen').waitFor();
      // Both sides decode video before the picture is taken.
      for (const side of [page, guest]) {
        await side.waitForFunction(
          () => (document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]')?.readyState ?? 0) >= 2,
        );
      }
      const files = [join(dir, 'practitioner.png'), join(dir, 'patient-phone.png')];
      await page.screenshot({ path: files[0]! });
      await guest.screenshot({ path: files[1]! });
      await context.close();
      return files;
    } finally {
      await app.close();
    }
  } finally {
    await server.close();
    await browser.close();
  }
}
const out = join(ROOT, 'screenshots');

async function main(): Promise<void> {
  const browser = await launchChromium();
  const config = loadConfig(
    ['--port=0', `--data-dir=${mkdtempSync(join(tmpdir(), 'clinicdesk-shots-'))}`, '--log-level=warn'],
    {},
    RENDERER_DIR,
  );
  const server = await buildServer(config, await openServerDb(config.dataDir), 'screenshots');
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  const written: string[] = [];
  try {
    for (const language of LANGUAGES) {
      const dir = join(out, language);
      mkdirSync(dir, { recursive: true });
      const harness = await startHarness({
        browser,
        osLocales: [language],
        serverUrl: base,
        timeZone: 'Europe/Berlin',
        viewport: { width: 1366, height: 768 },
      });
      try {
        seed(harness.core);
        for (const view of VIEWS) {
          await harness.open(view);
          if (view === 'agenda') await harness.page.getByTestId('agenda-next').click();
          await harness.page.waitForTimeout(150);
          const file = join(dir, `${view}.png`);
          await harness.page.screenshot({ path: file });
          written.push(file);
        }
        // The settings view showing a refused input, as a user would see it.
        await harness.open('settings');
        await harness.page.getByTestId('server-url').fill('http://clinic.example.org');
        await harness.page.getByTestId('server-url-save').click();
        await harness.page.getByTestId('server-url-error').waitFor();
        const file = join(dir, 'settings-error.png');
        await harness.page.screenshot({ path: file });
        written.push(file);
      } finally {
        await harness.close();
      }
      const context = await browser.newContext({ locale: language, viewport: { width: 900, height: 700 } });
      const page = await context.newPage();
      await page.goto(`${base}/join`);
      await page.getByTestId('guest-code').waitFor();
      const guest = join(dir, 'guest.png');
      await page.screenshot({ path: guest });
      written.push(guest);
      await page.setViewportSize({ width: 390, height: 844 });
      const phone = join(dir, 'guest-phone.png');
      await page.screenshot({ path: phone, fullPage: true });
      written.push(phone);
      await context.close();
    }
    written.push(...(await callInProgress(join(out, 'call'))));
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`screenshots: ${written.length} files in ${out}`);
}

await main();
