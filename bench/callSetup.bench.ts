/**
 * Call setup (issue 5) on loopback between two Chromium pages with fake media, through the product's own
 * path: the practitioner (the app over the real core) admits a patient waiting on the guest page served by
 * the real server. Measured from the click on "Admit" to ICE connected and to the first decoded remote
 * video frame on the patient's side, over 20 calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../server/app';
import { loadConfig } from '../server/config';
import { openServerDb } from '../server/db/database';
import { launchChromium } from '../test/harness/chromium';
import { RENDERER_DIR, startHarness } from '../test/harness/testBridge';
import { percentile, report } from './stats';

const PASSWORD = 'Steady-Harbour-Pass-1';

/** In the patient's page: when the peer connection reached "connected", and when a remote frame was decoded. */
const INSTRUMENT = `(() => {
  const Native = window.RTCPeerConnection;
  window.__bench = { ice: 0, frame: 0 };
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected' && !window.__bench.ice) window.__bench.ice = Date.now();
      });
    }
  };
  new MutationObserver(() => {
    const video = document.querySelector('[data-testid="remote-video"]');
    if (video && !video.__watched) {
      video.__watched = true;
      video.requestVideoFrameCallback(() => { if (!window.__bench.frame) window.__bench.frame = Date.now(); });
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

export async function runCallSetupBench(calls = 20): Promise<void> {
  console.log(`\n# call setup (${calls} calls, two Chromium pages, fake media, loopback)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'clinicdesk-bench-calls-'));
  const config = loadConfig(
    [`--data-dir=${dataDir}`, '--port=0', '--log-level=silent', '--argon2-memory-ki-b=8192'],
    {},
    RENDERER_DIR,
  );
  const server = await buildServer(config, await openServerDb(dataDir), 'bench', {
    mailer: { send: async () => {}, close: () => {} },
    sms: { send: async () => {} },
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  const invited = await server.accounts.invite({
    email: 'bench@praxis.example',
    role: 'member',
    language: 'en',
    name: 'Dr. Bench',
  });
  const session = await server.accounts.completeRegistration(invited!.token, {
    username: 'dr.bench',
    password: PASSWORD,
  });
  await server.accounts.createPin((await server.accounts.authenticate(session.accessToken))!.id);
  const me = (await server.accounts.authenticate(session.accessToken))!;
  await server.accounts.confirmPin(me.id);
  await server.accounts.finishRegistration(me.id);

  const browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]);
  const practitioner = await startHarness({ browser, osLocales: ['en-US'], serverUrl: base });
  const ice: number[] = [];
  const frames: number[] = [];
  try {
    const { page } = practitioner;
    await practitioner.open('settings');
    await page.evaluate((password) => window.clinic.account.signIn({ username: 'dr.bench', password }), PASSWORD);
    await page.reload();
    await practitioner.open('calls');
    for (let i = 0; i < calls; i += 1) {
      const invitation = await page.evaluate(() => window.clinic.calls.createInvitation({ label: 'Bench' }));
      if (!invitation.ok) throw new Error(invitation.error.code);
      const context = await browser.newContext({ locale: 'en-US' });
      const guest = await context.newPage();
      await guest.addInitScript(INSTRUMENT);
      // The server was configured with port 0: its public URL is only known now.
      await guest.goto(new URL(new URL(invitation.value.link).pathname, base).toString());
      await guest.getByTestId('guest-name').fill(`Patient ${i}`);
      await guest.getByTestId('guest-consent').check();
      await guest.getByTestId('guest-details-next').click();
      await guest.getByTestId('guest-join').click();
      await guest.getByTestId('guest-waiting').waitFor();
      await page.getByTestId('knock-admit').waitFor();
      const admitted = Date.now();
      await page.getByTestId('knock-admit').click();
      await guest.waitForFunction(() => (window as unknown as { __bench: { frame: number } }).__bench.frame > 0, null, {
        timeout: 20_000,
      });
      const marks = await guest.evaluate(
        () => (window as unknown as { __bench: { ice: number; frame: number } }).__bench,
      );
      ice.push(marks.ice - admitted);
      frames.push(marks.frame - admitted);
      await page.getByTestId('call-hangup').click();
      await guest.getByTestId('guest-ended').waitFor();
      await context.close();
    }
  } finally {
    await practitioner.close();
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  ice.sort((a, b) => a - b);
  frames.sort((a, b) => a - b);
  report('admit → ICE connected', ice);
  report('admit → first decoded remote frame', frames);
  console.log(
    `  p95: ICE connected ${percentile(ice, 95)} ms (target < 500), first frame ${percentile(frames, 95)} ms (target < 800)`,
  );
}
