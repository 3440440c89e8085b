/**
 * A consultation across two server processes (issue 17): nginx in front of two real server processes on one
 * PostgreSQL and one Redis. The practitioner's app (the renderer in Chromium over the real core) holds its
 * socket on process A, the patient's guest page on process B — forced by nginx hashing a cookie that each
 * browser context carries, since both come from 127.0.0.1. Knock, admit, video both ways; then process A is
 * killed with SIGKILL during the call: the app reconnects through nginx to B and stays in the call (within
 * the rejoin grace, without tearing down the peer connection), and hanging up writes one call record.
 */
import type { Browser, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../harness/chromium';
import { clusterMissing, serviceAdmin, startCluster, CLUSTER_PASSWORD, type Cluster } from '../harness/serverCluster';
import { startHarness, type Harness } from '../harness/testBridge';

const missing = clusterMissing();
let cluster: Cluster;
let browser: Browser;
let harness: Harness | undefined;

beforeAll(async () => {
  if (missing.length > 0) return;
  cluster = await startCluster({
    count: 2,
    // The cookie `pin` decides the process (a hash, as deployments pin by a key); a process that is down
    // is skipped, so a client pinned to it reconnects to the other.
    upstream: (ports) =>
      `upstream clinicdesk { hash $cookie_pin; ${ports.map((port) => `server 127.0.0.1:${port} max_fails=1 fail_timeout=30s;`).join(' ')} }`,
  });
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]);
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await cluster?.stop();
});

const pidOf = (processId: string) => processId.split('-')[0];

/** Which process nginx gives a socket carrying `pin=<value>`, asked with a real socket through nginx. */
async function processFor(pin: string, token: string): Promise<string> {
  const socket = io(cluster.base, {
    transports: ['websocket'],
    auth: { token },
    extraHeaders: { cookie: `pin=${pin}` },
    reconnection: false,
  });
  try {
    await expect.poll(() => socket.connected).toBe(true);
    let pid = '';
    await expect
      .poll(async () => {
        const rows = await cluster.query<{ process_id: string }>(
          'select process_id from signal_sockets where socket_id = $1',
          [socket.id],
        );
        pid = rows[0] ? pidOf(rows[0].process_id)! : '';
        return pid;
      })
      .not.toBe('');
    return pid;
  } finally {
    socket.disconnect();
  }
}

/** The processes (by pid) holding a peer's sockets now. */
async function processesOf(peerId: string): Promise<string[]> {
  const rows = await cluster.query<{ process_id: string }>('select process_id from signal_sockets where peer_id = $1', [
    peerId,
  ]);
  return rows.map((r) => pidOf(r.process_id)!).sort();
}

const framesOf = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
    return video ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
  });

/** Video keeps arriving: more frames decoded than a moment ago. */
async function stillPlaying(page: Page): Promise<void> {
  const before = await framesOf(page);
  await expect.poll(() => framesOf(page), { timeout: 20_000 }).toBeGreaterThan(before + 5);
}

describe.skipIf(missing.length > 0)(
  `a consultation across two server processes${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`,
  () => {
    it(
      'practitioner on A, patient on B; A is killed during the call and the call goes on through B',
      { timeout: 240_000 },
      async () => {
        const [a, b] = cluster.processes.map((p) => String(p.child.pid));
        const admin = await serviceAdmin(cluster);
        const doctor = await cluster.practitioner(admin, 'dr.cluster');

        // Two cookie values that nginx sends to A and to B.
        const pins: Record<string, string> = {};
        for (let i = 0; i < 40 && Object.keys(pins).length < 2; i += 1) {
          const pid = await processFor(`p${i}`, admin);
          pins[pid] ??= `p${i}`;
        }
        expect(Object.keys(pins).sort()).toEqual([a, b].sort());

        // The practitioner's app, pinned to A.
        harness = await startHarness({ browser, osLocales: ['en-US'], serverUrl: cluster.base });
        await harness.context.addCookies([{ name: 'pin', value: pins[a!]!, url: cluster.base }]);
        const { page } = harness;
        await harness.open('settings');
        const signedIn = await page.evaluate(
          ([user, password]) => window.clinic.account.signIn({ username: user!, password: password! }),
          ['dr.cluster', CLUSTER_PASSWORD],
        );
        expect(signedIn).toMatchObject({ ok: true, value: { signedIn: true } });
        await page.reload();
        await harness.open('calls');
        await expect.poll(() => processesOf(doctor.id)).toEqual([a]);

        await page.getByTestId('invite-label').fill('Herr Berg');
        await page.getByTestId('invite-create').click();
        // Shown in groups of three; typed by the patient as read.
        const code = (await page.getByTestId('invitation-code').textContent())!.replace(/ /g, '');
        expect(code).toMatch(/^\d{9}$/);

        // The patient, pinned to B.
        const guestContext = await browser.newContext({ locale: 'en-US' });
        await guestContext.addCookies([{ name: 'pin', value: pins[b!]!, url: cluster.base }]);
        const guest = await guestContext.newPage();
        await guest.goto(`${cluster.base}/join`);
        await guest.getByTestId('guest-code').fill(code);
        await guest.getByTestId('guest-continue').click();
        await guest.getByTestId('guest-name').fill('Olle Berg');
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
        // The guest page shows the waiting room as it connects: wait for its socket to be registered.
        let guests: { peer_id: string; process_id: string }[] = [];
        await expect
          .poll(async () => {
            guests = await cluster.query<{ peer_id: string; process_id: string }>(
              "select peer_id, process_id from signal_sockets where peer_id like 'guest:%'",
            );
            return guests.map((g) => pidOf(g.process_id));
          })
          .toEqual([b]);

        // The knock crosses from B to A; admitting on A connects the two through both processes.
        await page.getByTestId('knock-banner').getByText('Olle Berg').waitFor();
        await page.getByTestId('knock-admit').click();
        await page.getByTestId('call-overlay').waitFor();
        await expect.poll(() => framesOf(page), { timeout: 20_000 }).toBeGreaterThan(5);
        await expect.poll(() => framesOf(guest), { timeout: 20_000 }).toBeGreaterThan(5);
        const [call] = await cluster.query<{ id: string; state: string }>('select id, state from signal_calls');
        expect(call).toMatchObject({ state: 'active' });

        // Process A dies with the practitioner's socket: the app reconnects through nginx to B.
        await cluster.kill(0);
        await expect.poll(() => processesOf(doctor.id), { timeout: 30_000 }).toContain(b);
        await stillPlaying(page);
        await stillPlaying(guest);

        // Once B has found A dead and taken its sockets away, both are still in the call (the practitioner's
        // grace was never needed: it is back on B), and the video goes on.
        await expect
          .poll(
            async () => (await cluster.query('select id from signal_processes where id like $1', [`${a}-%`])).length,
            {
              timeout: 60_000,
            },
          )
          .toBe(0);
        expect(await processesOf(doctor.id)).toEqual([b]);
        const members = await cluster.query<{ peer_id: string; role: string }>(
          'select peer_id, role from signal_call_peers where call_id = $1',
          [call!.id],
        );
        expect(members.map((m) => `${m.role} ${m.peer_id}`).sort()).toEqual(
          [`participant ${doctor.id}`, `participant ${guests[0]!.peer_id}`].sort(),
        );
        expect(await guest.getByTestId('guest-ended').count()).toBe(0);
        await stillPlaying(page);

        // Hanging up ends it for the patient, and the server writes the call's record once.
        await page.getByTestId('call-hangup').click();
        await guest.getByTestId('guest-ended').waitFor();
        await expect
          .poll(() => cluster.query('select kind, initiator_id from call_records'))
          .toEqual([{ kind: 'guest', initiator_id: doctor.id }]);
        expect(await cluster.query('select id from signal_calls')).toEqual([]);
        // The metered session is closed just after the call's transaction (by the process that ended it).
        await expect
          .poll(async () =>
            (await cluster.query<{ ended_at: string | null }>('select ended_at from video_sessions')).map(
              (r) => r.ended_at !== null,
            ),
          )
          .toEqual([true]);
        await guestContext.close();
      },
    );
  },
);
