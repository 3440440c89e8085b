/**
 * A registration link that starts the app (clinicdesk://register?token=…, a cold start or macOS open-url
 * before the window exists) reaches the wizard: the page asks the shell for it once it has subscribed, so
 * it is no longer pushed into a page that is still loading and lost.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { startHarness, type Harness } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;
let harness: Harness;

beforeAll(async () => {
  server = await startServerFixture({ realClock: true });
  browser = await launchChromium();
  harness = await startHarness({ browser, osLocales: ['en-US'], serverUrl: server.base });
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
});

describe('a link that starts the app', () => {
  it('opens the wizard with the link, once, on the first page load', async () => {
    await server.api('POST', '/api/registration/signup', { email: 'cold@praxis.example', language: 'en' });
    const token = await server.linkFor('cold@praxis.example');
    harness.startWithLink(`clinicdesk://register?token=${token}`);
    await harness.open('agenda');
    await harness.page.getByTestId('wizard').waitFor();
    await harness.page.getByTestId('reg-username').waitFor();
    expect(await harness.page.getByTestId('wizard').textContent()).toContain('cold@praxis.example');
    // Taken once: a reload does not open it again.
    await harness.open('agenda');
    await expect.poll(() => harness.page.getByTestId('view-title').textContent()).not.toBe('');
    expect(await harness.page.getByTestId('wizard').count()).toBe(0);
  });
});
