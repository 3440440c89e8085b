/**
 * The screen-sharing picker in Chromium over the real core: the shell's `screen.choose` (as Electron's
 * display-media handler sends it) shows screens and windows with thumbnails; nothing is shared until the
 * user picks one and presses Share; Escape answers "cancel".
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../src-renderer/locales/en/common.json';
import { seriousViolations } from '../harness/axe';
import { launchChromium } from '../harness/chromium';
import { startHarness, type Harness } from '../harness/testBridge';

// A 1×1 PNG, as desktopCapturer's thumbnails arrive (NativeImage.toDataURL()).
const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const SOURCES = [
  { id: 'screen:1:0', name: 'Entire Screen', kind: 'screen' as const, thumbnail: PNG },
  { id: 'window:42:0', name: 'Befund.pdf', kind: 'window' as const, thumbnail: PNG },
];

let browser: Browser;
let harness: Harness;

beforeAll(async () => {
  browser = await launchChromium();
  harness = await startHarness({ browser, osLocales: ['en-US'] });
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
});

describe('screen picker', () => {
  it('shares only what the user picked, and Escape cancels', async () => {
    const { page } = harness;
    await harness.open('calls');
    harness.emit('screen.choose', { requestId: 'req-1', sources: SOURCES });
    const picker = page.getByTestId('screen-picker');
    await picker.waitFor();
    expect(await picker.getAttribute('aria-label')).toBe(en.calls.screenPicker.title);
    expect(await picker.getByTestId('screen-source').count()).toBe(2);
    expect(await seriousViolations(page, '[data-testid="screen-picker"]')).toEqual([]);
    expect(await page.getByTestId('screen-share').isDisabled()).toBe(true);
    await picker.locator('[data-source="window:42:0"]').click();
    await page.getByTestId('screen-share').click();
    await picker.waitFor({ state: 'detached' });
    await expect.poll(() => harness.screenAnswers).toEqual([{ requestId: 'req-1', sourceId: 'window:42:0' }]);

    harness.emit('screen.choose', { requestId: 'req-2', sources: SOURCES });
    await picker.waitFor();
    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    await expect.poll(() => harness.screenAnswers.at(-1)).toEqual({ requestId: 'req-2', sourceId: null });
  });
});
