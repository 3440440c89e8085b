/**
 * The registration wizard in Chromium over the real core, the real server on loopback and a real SMTP
 * server: sign-up on the first screen, the link from the received mail opened through the clinicdesk://
 * handler, username and password with the rules ticking live, the service PIN (saved as a PDF), SMS
 * two-factor with the code read from the gateway file, visibility, an active account — then sign-out and
 * sign-in with a fresh SMS code.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsPath } from '../../src-main/core/config';
import en from '../../src-renderer/locales/en/common.json';
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

const PASSWORD = 'Sunny-Practice-42';
const MOBILE = '+491712345678';

describe('registration and sign-in, end to end', () => {
  it('signs up, registers through the wizard from the e-mailed link, and ends with an active account', async () => {
    const { page } = harness;
    // A new device opens on the account screen.
    await page.goto(`${harness.origin}/index.html`);
    await expect.poll(() => page.getByTestId('view-title').textContent()).toBe(en.nav.account);
    await page.getByTestId('account-tab-signUp').click();
    await page.getByTestId('signup-email').fill('praxis.nord@example.com');
    await page.getByTestId('signup-submit').click();
    await page.getByTestId('signup-sent').waitFor();

    // The link arrives by mail; the OS hands its clinicdesk:// form to the app.
    const token = await server.linkFor('praxis.nord@example.com');
    harness.openRegistrationLink(`clinicdesk://register?token=${token}`);
    await page.getByTestId('wizard').waitFor();
    await page.getByText('Registering praxis.nord@example.com.').waitFor();

    await page.getByTestId('reg-username').fill('praxis.nord');
    const password = page.getByTestId('reg-password');
    await password.pressSequentially('sunny');
    expect(await page.getByTestId('rule-lower').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('rule-upper').getAttribute('data-ok')).toBe('false');
    expect(await page.getByTestId('reg-submit').isDisabled()).toBe(true);
    await password.fill(PASSWORD);
    for (const rule of ['length', 'lower', 'upper', 'digit', 'symbol', 'not_personal'])
      expect(await page.getByTestId(`rule-${rule}`).getAttribute('data-ok'), rule).toBe('true');
    await page.getByTestId('reg-repeat').fill(PASSWORD);
    await page.getByTestId('reg-submit').click();

    // The service PIN, shown once; saved as a PDF; the step goes on only once it is confirmed as kept.
    await expect.poll(() => page.getByTestId('pin-value').textContent()).toMatch(/^\d{4} \d{4}$/);
    // The user may choose their own instead: a trivial one is refused with the reason, a good one replaces it.
    await page.locator('.own-pin summary').click();
    await page.getByTestId('pin-own').fill('11111111');
    await page.getByTestId('pin-own-use').click();
    await page.locator('.own-pin .field-error').waitFor();
    await page.getByTestId('pin-own').fill('35817294');
    await page.getByTestId('pin-own-use').click();
    await expect.poll(() => page.getByTestId('pin-value').textContent()).toBe('3581 7294');
    const pin = (await page.getByTestId('pin-value').textContent())!.replace(' ', '');
    await page.getByTestId('pin-pdf').click();
    await page.getByText(en.account.pin.savedPdf).waitFor();
    const pdf = readFileSync(harness.savedFiles.get('ClinicDesk service PIN.pdf')!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await page.getByTestId('step-next').isDisabled()).toBe(true);
    await page.getByTestId('pin-kept').check();
    await page.getByTestId('step-next').click();

    // SMS two-factor: the code comes from the embedded gateway's file.
    await page.getByTestId('tf-phone').fill('0171 2345678');
    await page.getByTestId('tf-send').click();
    await expect.poll(() => server.smsCodes(MOBILE).length).toBe(1);
    // The server writes the SMS before the app has its answer: wait for the button to show the countdown.
    await expect.poll(() => page.getByTestId('tf-send').textContent()).toMatch(/New code in \d+ s/);
    await page.getByTestId('tf-code').fill('00000000');
    await page.getByTestId('tf-confirm').click();
    await page.getByText(en.errors.field.code_invalid).waitFor();
    await page.getByTestId('tf-code').fill(server.smsCodes(MOBILE)[0]!);
    await page.getByTestId('tf-confirm').click();

    // Visibility (opt-in), then done.
    await page.getByTestId('visibility-toggle').check();
    await page.getByTestId('visibility-next').click();
    await page.getByTestId('wizard-done').waitFor();
    await page.getByText(en.account.wizard.done).waitFor();

    expect(await server.server.accounts.checkPin('praxis.nord', pin)).toBe(true);
    const state = await harness.core.settings.get();
    expect(state.serverUrl).toBe(server.base);
    const me = await page.evaluate(() => window.clinic.account.state());
    expect(me).toMatchObject({
      ok: true,
      value: {
        signedIn: true,
        profile: { username: 'praxis.nord', registered: true, twoFactor: true, searchable: true, pendingSteps: [] },
      },
    });

    // The link is single-use: opening it again explains that.
    harness.openRegistrationLink(`${server.base}/register/${token}`);
    await page.getByTestId('link-error').getByText(en.errors.link_used).waitFor();
    await page.getByTestId('link-error').getByRole('button', { name: en.common.back }).click();
    await expect.poll(() => page.getByTestId('account-name').textContent()).toBe('praxis.nord');
  });

  it('signs out, then signs in with the password and the SMS code from the gateway file', async () => {
    const { page } = harness;
    await harness.open('account');
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.evaluate(() => window.clinic.contacts.list())).toMatchObject({
      ok: false,
      error: { code: 'signed_out' },
    });

    await page.getByTestId('signin-username').fill('praxis.nord');
    await page.getByTestId('signin-password').fill('Wrong-Password-1');
    await page.getByTestId('signin-submit').click();
    await page.getByText(en.errors.credentials_invalid).waitFor();

    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('sign-in-code').waitFor();
    await expect.poll(() => server.smsCodes(MOBILE).length).toBe(2);
    await page.getByTestId('signin-code').fill(server.smsCodes(MOBILE)[1]!);
    await page.getByTestId('signin-code-submit').click();
    await expect.poll(() => page.getByTestId('account-name').textContent()).toBe('praxis.nord');

    // Signed in: the contacts view works, and the refresh token is kept encrypted, never in plain text.
    await page.getByTestId('nav-contacts').click();
    await page.getByText(en.contacts.none).waitFor();
    const stored = JSON.parse(readFileSync(secretsPath(harness.dataDir), 'utf8')) as Record<string, string>;
    const cipher = Buffer.from(stored['server.refreshToken']!, 'base64');
    expect(cipher.length).toBeGreaterThan(43);
    expect(cipher.toString('latin1')).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });
});
