/**
 * Sending end to end, in Chromium over the real core and the real server: a reminder booked on the desktop
 * syncs to the server, which sends it at its time through the file carrier, charging one credit that the
 * practice bought in Settings; a signed delivery receipt reaches the server, and the desktop's Messages view
 * shows "delivered" (the server's notice on the socket makes the app pull at once).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_FOLDER } from '../../server/sending/carriers';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { RENDERER_DIR, startHarness, type Harness } from '../harness/testBridge';

const SECRET = 'webhook-secret-for-the-e2e-test-0123';
const PASSWORD = 'Calm-Meadow-2024';
const HOUR = 3_600_000;
let browser: Browser;
let server: ServerFixture;
let harness: Harness;

beforeAll(async () => {
  server = await startServerFixture({
    now: Date.now(),
    webDir: RENDERER_DIR,
    flags: [`--sms-webhook-secret=${SECRET}`],
    build: { dispatch: false },
  });
  browser = await launchChromium();
  await server.registered('praxis.send', PASSWORD);
  harness = await startHarness({
    browser,
    osLocales: ['de-DE'],
    serverUrl: server.base,
    sync: true,
    timeZone: 'Europe/Berlin',
  });
  await harness.open('settings');
  const signedIn = await harness.page.evaluate(
    ([user, password]) => window.clinic.account.signIn({ username: user!, password: password! }),
    ['praxis.send', PASSWORD],
  );
  expect(signedIn.ok).toBe(true);
  await harness.page.reload();
  await harness.open('settings');
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
});

describe('a reminder from the desk to the patient’s phone and back', () => {
  it('is synced, sent at its time against credits bought in Settings, and shown delivered', async () => {
    const { page, core } = harness;
    await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-state')).toBe('synced');
    // No quiet hours, so that the test's reminder is due whatever the time of day.
    // The reminder names the practice: without its name and phone it would be skipped (as it should).
    core.practice.updatePractice({ name: 'Praxis am Park', phone: '+49 30 1234567', quietStart: 0, quietEnd: 0 });
    const tenantId = core.practice.tenants()[0]!.id;
    const practitioner = core.practice.createPractitioner({ name: 'Dr. Weber', colour: '#0b6e6e', tenantId });
    const patient = core.patients.create({
      firstName: 'Anna',
      lastName: 'Berg',
      birthDate: null,
      mobile: '0171 2345678',
      email: null,
      language: 'de',
      channel: 'sms',
      optOutSms: false,
      optOutEmail: false,
      notes: '',
    });
    const startAt = Math.ceil((Date.now() + 25 * HOUR) / 300_000) * 300_000;
    const booked = await page.evaluate((input) => window.clinic.agenda.book(input), {
      patientId: patient.id,
      practitionerId: practitioner.id,
      roomId: null,
      typeId: core.practice.types().find((t) => t.durationMin === 30)!.id,
      startAt,
      endAt: null,
      notes: '',
      allowOverlap: false,
      sendConfirmation: false,
    });
    if (!booked.ok || booked.value.kind !== 'done') throw new Error('not booked');
    const reminder = booked.value.messages.find((m) => m.kind === 'reminder')!;
    expect(reminder).toMatchObject({ status: 'scheduled', scheduledAt: startAt - 24 * HOUR });

    // The practice buys credits in Settings (the page reloads its set-up: the practitioner was added above).
    await page.reload();
    await harness.open('settings');
    await page.getByTestId('pack-sms-500').check();
    await page.getByTestId('credits-order').click();
    await expect.poll(() => page.getByTestId('credits-ordered').textContent()).toContain('500');

    // The booking reached the server with its reminder, queued for its time.
    await expect
      .poll(
        async () =>
          (
            await server.db
              .selectFrom('outgoing_messages')
              .select('state')
              .where('message_id', '=', reminder.id)
              .executeTakeFirst()
          )?.state,
      )
      .toBe('queued');
    server.clock.now = reminder.scheduledAt;
    expect(await server.server.dispatcher.tick()).toBe(1);
    expect(readdirSync(join(server.dataDir, SMS_FOLDER))).toContain(`${reminder.id}.json`);
    await expect.poll(() => page.getByTestId(`credits-${tenantId}`).textContent()).toContain('499');

    // The carrier's receipt, signed as GatewayAPI signs it. GatewayAPI's message ids are numbers (the file
    // carrier's is the message id): the sent message is given a numeric one, as that provider would have.
    const receipt = { id: 0, msisdn: 491712345678, status: 'DELIVERED', userref: reminder.id };
    const provider = await server.db
      .selectFrom('outgoing_messages')
      .select('provider_id')
      .where('message_id', '=', reminder.id)
      .executeTakeFirstOrThrow();
    const body = { ...receipt, id: Number.parseInt(provider.provider_id!.replace(/\D/g, '').slice(0, 9), 10) };
    await server.db
      .updateTable('outgoing_messages')
      .set({ provider_id: String(body.id) })
      .where('message_id', '=', reminder.id)
      .execute();
    const token = await new SignJWT(body).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const answer = await fetch(`${server.base}/api/sms/gatewayapi/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gwapi-signature': token },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(204);

    await harness.open('messages');
    await page.getByTestId('messages-tab-sent').click();
    await expect
      .poll(() => page.locator(`[data-testid="message-row"][data-kind="reminder"]`).first().getAttribute('data-status'))
      .toBe('delivered');
    expect(core.messages.forAppointment(booked.value.appointment.id)[0]).toMatchObject({ status: 'delivered' });
  });
});
