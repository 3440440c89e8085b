/**
 * A video consultation end to end, in real Chromium with a fake camera and microphone, over loopback only:
 * the practitioner (the app over the real core) invites a patient; the patient (the guest page served by
 * the real server) enters the code, name and consent, checks the devices and waits; the practitioner hears
 * the knock and admits; video decodes on both sides; a chat message and a file (checked by SHA-256) cross
 * the data channel; hang-up writes the call log row with the right duration. Then colleagues: auto-answer
 * picks up within 5–6 s, and a second caller hears "busy".
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_DB_FILE } from '../../server/db/database';
import en from '../../src-renderer/locales/en/common.json';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { RENDERER_DIR, startHarness, type Harness } from '../harness/testBridge';

const PASSWORD = 'Calm-Meadow-2024';
let browser: Browser;
let server: ServerFixture;
const harnesses: Harness[] = [];

beforeAll(async () => {
  server = await startServerFixture({ realClock: true, webDir: RENDERER_DIR });
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]);
});
afterAll(async () => {
  for (const harness of harnesses) await harness.close();
  await browser?.close();
  await server?.close();
});

/** A registered account (optionally in the organisation of `colleagueOf`), and its settings. */
async function account(username: string, organisationId: string | null, settings: object = {}) {
  const { token } = (await server.server.accounts.invite({
    email: `${username}@praxis.example`,
    role: 'member',
    organisationId,
    language: 'en',
    name: username,
  }))!;
  const session = (await server.api('POST', `/api/registration/${token}`, { username, password: PASSWORD })).body;
  await server.api('POST', '/api/account/registration/pin', undefined, session.accessToken);
  await server.api('POST', '/api/account/registration/pin/confirm', undefined, session.accessToken);
  const me = (await server.api('POST', '/api/account/registration/finish', undefined, session.accessToken)).body;
  await server.api('PATCH', '/api/account/settings', settings, session.accessToken);
  return { id: me.id as string, accessToken: session.accessToken as string };
}

/** The app of a signed-in practitioner, opened on a view. */
async function app(username: string, view: string): Promise<Harness> {
  const harness = await startHarness({ browser, osLocales: ['en-US'], serverUrl: server.base });
  harnesses.push(harness);
  await harness.open('settings');
  const signedIn = await harness.page.evaluate(
    ([user, password]) => window.clinic.account.signIn({ username: user!, password: password! }),
    [username, PASSWORD],
  );
  expect(signedIn).toMatchObject({ ok: true, value: { signedIn: true } });
  await harness.page.reload();
  await harness.open(view);
  return harness;
}

const framesOf = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
    return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
  });

describe('video consultation with a patient', () => {
  it('knock, admit, video both ways, chat and a file over the data channel, hang-up into the call log', async () => {
    const doctor = await account('dr.lind', null);
    const practitioner = await app('dr.lind', 'calls');
    const { page } = practitioner;

    // The invitation: a link and a 9-digit code.
    await page.getByTestId('invite-label').fill('Frau Nilsson');
    await page.getByTestId('invite-create').click();
    // Shown in groups of three; typed by the patient as read.
    const code = (await page.getByTestId('invitation-code').textContent())!.replace(/ /g, '');
    expect(code).toMatch(/^\d{9}$/);
    expect(await page.getByTestId('invitation-code').textContent()).toMatch(/^\d{3} \d{3} \d{3}$/);

    // The patient: code, name, consent, device check, waiting room.
    const guestContext = await browser.newContext({ locale: 'en-US' });
    const guest = await guestContext.newPage();
    await guest.goto(`${server.base}/join`);
    await guest.getByTestId('guest-code').fill(`${code.slice(0, 3)} ${code.slice(3, 6)} ${code.slice(6)}`);
    await guest.getByTestId('guest-continue').click();
    await guest.getByTestId('guest-name').fill('Ingrid Nilsson');
    await guest.getByTestId('guest-details-next').click();
    await guest.getByRole('alert').waitFor(); // consent is required by default
    await guest.getByTestId('guest-consent').check();
    await guest.getByTestId('guest-details-next').click();
    await expect
      .poll(() =>
        guest.evaluate(
          () => document.querySelector<HTMLVideoElement>('[data-testid="preview-video"]')?.readyState ?? 0,
        ),
      )
      .toBeGreaterThanOrEqual(2);
    await guest.getByTestId('guest-join').click();
    await guest.getByTestId('guest-waiting').waitFor();

    // The knock: banner (and a native notification), then admit.
    await page.getByTestId('knock-banner').getByText('Ingrid Nilsson').waitFor();
    expect(practitioner.notifications).toContainEqual({ kind: 'knock', name: 'Ingrid Nilsson' });
    // While the patient waits, her page makes its offer and gathers its candidates; the server holds them
    // for whoever admits (issue 13): Chromium's own, here.
    const held = async () => {
      const rows = await server.db.selectFrom('signal_calls').select('data').where('state', '=', 'waiting').execute();
      return rows.flatMap((r) => ((JSON.parse(r.data) as { held?: { type: string }[] }).held ?? []).map((h) => h.type));
    };
    await expect.poll(async () => (await held())[0]).toBe('offer');
    await expect.poll(async () => (await held()).includes('candidate')).toBe(true);
    const admitting = Date.now();
    await page.getByTestId('knock-admit').click();
    await page.getByTestId('call-overlay').waitFor();
    const admitted = Date.now();

    // Video decodes on both sides.
    await expect.poll(() => framesOf(page), { timeout: 15_000 }).toBeGreaterThan(5);
    await expect.poll(() => framesOf(guest), { timeout: 15_000 }).toBeGreaterThan(5);
    await expect
      .poll(() => page.getByTestId('call-quality').getAttribute('data-quality'), { timeout: 10_000 })
      .toBe('good');
    expect(await page.getByTestId('call-route').getAttribute('data-relayed')).toBe('false');

    // The layout people know from Jitsi and doxy.me: who, how long, the controls on screen; staff words
    // (direct/relayed, screen sharing) only for staff; the self-view moves to another corner.
    expect(await guest.getByTestId('call-title').textContent()).toBeTruthy();
    await expect.poll(() => page.getByTestId('call-timer').textContent()).toMatch(/^\d\d:\d\d$/);
    expect(await guest.getByTestId('call-route').count()).toBe(0);
    expect(await guest.getByTestId('call-share').count()).toBe(0);
    expect(await page.getByTestId('call-share').count()).toBe(1);
    for (const side of [page, guest]) {
      const bar = (await side.getByTestId('call-hangup').boundingBox())!;
      expect(bar.y + bar.height).toBeLessThanOrEqual(side.viewportSize()!.height);
    }
    await guest.getByTestId('self-view-move').click();
    expect(await guest.getByTestId('self-view').getAttribute('data-corner')).toBe('bottom-left');

    // Chat and a file cross the data channel.
    await guest.getByTestId('chat-input').fill('Guten Tag, Frau Doktor');
    await guest.getByTestId('chat-send').click();
    await page.getByTestId('chat-log').getByText('Guten Tag, Frau Doktor').waitFor();
    const file = randomBytes(200_000);
    await page
      .getByTestId('chat-file')
      .setInputFiles({ name: 'befund.pdf', mimeType: 'application/pdf', buffer: file });
    const received = guest.getByTestId('received-file');
    await received.waitFor();
    expect(await received.getAttribute('data-sha256')).toBe(createHash('sha256').update(file).digest('hex'));
    expect(await received.getAttribute('data-intact')).toBe('true');

    // Hang up: the patient is told, the call log has the row with the duration. The row's times must lie
    // between what the test saw before and after each click (brackets, not a tolerance that load can break).
    const hangingUp = Date.now();
    await page.getByTestId('call-hangup').click();
    await guest.getByTestId('guest-ended').waitFor();
    const hungUp = Date.now();
    await page.getByTestId('nav-callLog').click();
    const row = page.getByTestId('call-log-row').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('answered');
    const [logged] = await page.evaluate(async () => {
      const list = await window.clinic.callLog.list({});
      return list.ok ? list.value : [];
    });
    expect(logged!.answeredAt).toBeGreaterThanOrEqual(admitting);
    expect(logged!.answeredAt).toBeLessThanOrEqual(admitted);
    expect(logged!.endedAt).toBeGreaterThanOrEqual(hangingUp);
    expect(logged!.endedAt).toBeLessThanOrEqual(hungUp);
    expect(Number(await row.getAttribute('data-duration'))).toBe(
      Math.round((logged!.endedAt! - logged!.answeredAt!) / 1000),
    );
    await row.getByText('Ingrid Nilsson').waitFor();

    // The server kept only metadata: a guest call record for the practitioner.
    await expect
      .poll(() => {
        const db = new Database(join(server.dataDir, SERVER_DB_FILE), { readonly: true });
        const rows = db.prepare('SELECT kind, initiator_id FROM call_records').all();
        db.close();
        return rows;
      })
      .toEqual([{ kind: 'guest', initiator_id: doctor.id }]);
    await guestContext.close();
  });
});

describe('calls between colleagues', () => {
  it('auto-answers after 5 seconds, and a second caller hears busy', async () => {
    const owner = await account('chef', null);
    const organisation = (await server.api('POST', '/api/account/organisation', { name: 'MVZ' }, owner.accessToken))
      .body as { id: string };
    await account('anna', organisation.id);
    const ben = await account('ben', organisation.id, { autoAnswer: true });
    const caller = await app('anna', 'calls');
    const callee = await app('ben', 'agenda');
    void ben;

    const call = caller.page.getByTestId('callee-ben').getByTestId('call-contact');
    await expect.poll(() => call.isEnabled(), { timeout: 10_000 }).toBe(true);
    const calling = Date.now();
    await call.click();
    await callee.page.getByTestId('incoming-call').waitFor();
    // Nobody clicks: the call is answered by itself, and not before it rang for five seconds.
    await callee.page.getByTestId('call-overlay').waitFor({ timeout: 30_000 });
    expect(Date.now() - calling).toBeGreaterThanOrEqual(5_000);
    await expect.poll(() => framesOf(callee.page), { timeout: 15_000 }).toBeGreaterThan(5);

    // Someone else calls Ben during the call: busy.
    const chef = connect(server.base, {
      auth: { token: owner.accessToken },
      transports: ['websocket'],
      forceNew: true,
    });
    await new Promise<void>((resolve) => chef.once('connect', () => resolve()));
    expect(await chef.timeout(3000).emitWithAck('call:invite', { to: ben.id })).toEqual({ error: { code: 'busy' } });
    chef.disconnect();

    await caller.page.getByTestId('call-hangup').click();
    await callee.page.getByTestId('call-overlay').waitFor({ state: 'detached' });
    await callee.page.getByTestId('nav-callLog').click();
    const row = callee.page.getByTestId('call-log-row').first();
    expect(await row.getAttribute('data-status')).toBe('answered');
    await row.getByText('anna').waitFor();

    // Call-station mode: the idle screen, ready for the next call. Ben is an ordinary member: the bridge
    // refuses him; the organisation's admin turned it on for this workstation (here: the core's setting).
    expect(await callee.page.evaluate(() => window.clinic.settings.setCallStation({ enabled: true }))).toMatchObject({
      ok: false,
      error: { code: 'admin_only' },
    });
    callee.core.settings.setCallStation(true);
    await callee.page.getByTestId('call-station-idle').getByText(en.callStation.ready).waitFor();
  });
});
