/**
 * Call-station mode is decided by an organisation's administrator (issue 15): a member's settings view
 * does not offer it, and the rule holds behind the view too — the bridge's command (what the tray and a
 * renderer that skipped the disabled checkbox use) is refused with a translated reason and changes
 * nothing. An individual account decides for itself; a member may always turn it off.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../src-renderer/locales/en/common.json';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { signedInApp } from '../harness/signedInApp';
import { startHarness } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;

beforeAll(async () => {
  server = await startServerFixture();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const setCallStation = (harness: { page: Page }, enabled: boolean) =>
  harness.page.evaluate((on) => window.clinic.settings.setCallStation({ enabled: on }), enabled);

describe('call-station mode and roles', () => {
  it('refuses a member’s “on” in the core; admins and individual accounts decide', async () => {
    const admin = await server.registered('cs.admin');
    const org = (await server.api('POST', '/api/account/organisation', { name: 'Klinik CS' }, admin.accessToken))
      .body as { id: string };
    await server.registered('cs.member', undefined, org.id);
    await server.registered('cs.single');

    const member = await signedInApp(browser, server.base, 'cs.member', 'settings');
    try {
      await member.page.getByTestId('call-station').waitFor();
      await expect.poll(() => member.page.getByTestId('call-station').isDisabled()).toBe(true);
      expect(await member.page.getByText(en.settings.callStation.adminOnly).count()).toBe(1);
      const refused = await setCallStation(member, true);
      expect(refused).toMatchObject({ ok: false, error: { code: 'admin_only' } });
      expect(member.core.settings.get().callStation).toBe(false);
      // Set on the device before (by an admin): the member may turn it off.
      member.core.settings.setCallStation(true);
      expect(await setCallStation(member, false)).toMatchObject({ ok: true, value: { callStation: false } });
    } finally {
      await member.close();
    }

    for (const username of ['cs.admin', 'cs.single']) {
      const harness = await signedInApp(browser, server.base, username, 'settings');
      try {
        await harness.page.getByTestId('call-station').waitFor();
        expect(await harness.page.getByTestId('call-station').isDisabled()).toBe(false);
        expect(await setCallStation(harness, true)).toMatchObject({ ok: true, value: { callStation: true } });
        expect(harness.core.settings.get().callStation).toBe(true);
      } finally {
        await harness.close();
      }
    }
  });

  it('says in Settings when the desktop cannot keep the window on top (Wayland)', async () => {
    for (const keepsOnTop of [false, true]) {
      const harness = await startHarness({ browser, keepsOnTop });
      try {
        await harness.open('settings');
        await harness.page.getByTestId('call-station').waitFor();
        await expect.poll(() => harness.page.getByTestId('call-station-no-top').count()).toBe(keepsOnTop ? 0 : 1);
        if (!keepsOnTop)
          expect(await harness.page.getByTestId('call-station-no-top').textContent()).toBe(
            en.settings.callStation.noKeepOnTop,
          );
      } finally {
        await harness.close();
      }
    }
  });
});
