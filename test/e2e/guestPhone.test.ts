/**
 * The patient's guest page on a phone (390×844), served by the real server: the code typed in groups, no
 * sideways scrolling at any step, and a camera the browser refuses: the patient joins with sound only,
 * told in plain words how to allow it (issue 15). Chromium's fake devices give the microphone; the camera
 * permission is simply not granted, so headless Chromium refuses it as a browser would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import de from '../../src-renderer/locales/de/guest.json';
import { seriousViolations } from '../harness/axe';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { RENDERER_DIR, ROOT } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;

beforeAll(async () => {
  browser = await launchChromium(['--use-fake-device-for-media-stream']);
  server = await startServerFixture({ realClock: true, webDir: RENDERER_DIR });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** What sticks out to the right of the screen (nothing, when the page never scrolls sideways). */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${el.className}`,
      );
    return document.documentElement.scrollWidth > width ? wide.slice(0, 8) : [];
  });

describe('guest page on a phone', () => {
  it('code in groups, no sideways scrolling, and sound only when the camera is refused', async () => {
    const session = await server.registered('phone-guest-host');
    const created = await server.api(
      'POST',
      '/api/calls/invitations',
      { label: 'Frau Berg', language: 'de' },
      session.accessToken,
    );
    expect(created.status).toBe(201);
    const code = (created.body as { code: string }).code;
    // The practice's set-up as a workstation's sync left it on the server: a long name (it must wrap on a
    // phone) and the phone number the patient can call when video does not work.
    const host = await server.db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', 'phone-guest-host')
      .executeTakeFirstOrThrow();
    await server.seedRow(
      `acct:${host.id}`,
      'practice',
      {
        name: 'Gemeinschaftspraxis Dr. Sonnenberg-Lindqvist am Marktplatz',
        phone: '030 123 456 78',
        logo: `data:image/png;base64,${readFileSync(join(ROOT, 'assets', 'icon.png')).toString('base64')}`,
      },
      '00000000-0000-7000-8000-000000000001',
    );

    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'de-DE',
      hasTouch: true,
    });
    await context.grantPermissions(['microphone'], { origin: server.base });
    const page = await context.newPage();
    try {
      await page.goto(`${server.base}/join`);
      expect(await overflow(page)).toEqual([]);
      const field = page.getByTestId('guest-code');
      await field.pressSequentially(code);
      expect(await field.inputValue()).toBe(`${code.slice(0, 3)} ${code.slice(3, 6)} ${code.slice(6)}`);
      await page.getByTestId('guest-continue').click();
      // The practice's name from the first screen after the code.
      await page.getByTestId('guest-name').waitFor();
      expect(await page.getByTestId('guest-practice').textContent()).toBe(
        'Gemeinschaftspraxis Dr. Sonnenberg-Lindqvist am Marktplatz',
      );
      // Its logo beside the name, decoded (the page's CSP allows data: images only for this).
      await expect
        .poll(() => page.getByTestId('guest-practice-logo').evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBe(512);
      expect(await overflow(page)).toEqual([]);
      await page.getByTestId('guest-name').fill('Eva Berg');
      await page.getByTestId('guest-consent').check();
      await page.getByTestId('guest-details-next').click();
      expect(await overflow(page)).toEqual([]);

      const problem = page.getByTestId('camera-problem');
      await problem.waitFor();
      expect(await problem.getAttribute('data-problem')).toBe('denied');
      expect(await problem.textContent()).toContain(de.devices.cameraHowTo);
      const join = page.getByTestId('guest-join');
      await expect.poll(() => join.isEnabled()).toBe(true);
      expect(await join.textContent()).toBe(de.devices.joinAudioOnly);
      // The practice's phone as the fallback, dialable from the phone.
      const phone = page.getByTestId('guest-practice-phone');
      expect(await phone.textContent()).toBe(`${de.callPractice} 030 123 456 78`);
      expect(await phone.locator('a').getAttribute('href')).toBe('tel:03012345678');
      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflow(page)).toEqual([]);
      await join.click();
      await page.getByTestId('guest-waiting').waitFor();
      expect(await page.getByTestId('guest-practice-phone').count()).toBe(1);
      expect(await overflow(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
