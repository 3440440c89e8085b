/**
 * `npm run screenshots`: every view of the renderer, and the guest page, in English and German, through
 * the same Chromium harness as the end-to-end tests. Writes screenshots/<language>/<view>.png.
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
import { RENDERER_DIR, ROOT, startHarness } from '../test/harness/testBridge';

const LANGUAGES = ['en', 'de'] as const;

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
  const slots: [number, number, string][] = [
    [0, 8 * 60 + 30, weber.id],
    [1, 9 * 60, weber.id],
    [2, 10 * 60, lind.id],
    [3, 14 * 60 + 15, lind.id],
  ];
  for (const [i, minute, practitionerId] of slots) {
    core.agenda.book({
      patientId: people[i]!.id,
      practitionerId,
      roomId: null,
      typeId: types[i % types.length]!.id,
      startAt: atLocal(addDays(today, 1), minute, zone),
      endAt: null,
      notes: '',
      allowOverlap: true,
      sendConfirmation: false,
    });
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
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`screenshots: ${written.length} files in ${out}`);
}

await main();
