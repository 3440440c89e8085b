/**
 * axe-core on what only a signed-in user sees (issue 15): the admin panel's every tab (an organisation's
 * admin and the service desk), the account view with its subscription and devices, contacts with the SMS
 * dialog, the video consultations view with an invitation, and the front desk's remaining dialogs (move,
 * recall). No critical or serious violation, each with its data loaded. German, as a receptionist works.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../harness/axe';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { startHarness, type Harness } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;
const PASSWORD = 'Correct-Horse-7-Battery';

beforeAll(async () => {
  server = await startServerFixture({ realClock: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A German workstation signed in as `username`, on `view`. */
async function signedIn(username: string): Promise<Harness> {
  const harness = await startHarness({
    browser,
    osLocales: ['de-DE'],
    serverUrl: server.base,
    viewport: { width: 1366, height: 768 },
  });
  await harness.open('settings');
  const answer = await harness.page.evaluate(
    ([user, secret]) => window.clinic.account.signIn({ username: user!, password: secret! }),
    [username, PASSWORD],
  );
  expect(answer).toMatchObject({ ok: true, value: { signedIn: true } });
  await harness.page.reload();
  return harness;
}

/** Each tab of the admin panel, checked once its content is there. */
async function adminTabs(page: Page, found: Record<string, unknown>, who: string): Promise<void> {
  await page.getByTestId('nav-admin').click();
  await page.getByTestId('view-admin').waitFor();
  const tabs = await page
    .locator('[data-testid^="admin-tab-"]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')!));
  expect(tabs.length).toBeGreaterThanOrEqual(5);
  for (const tab of tabs) {
    await page.getByTestId(tab).click();
    await expect.poll(() => page.getByTestId(tab).getAttribute('aria-selected')).toBe('true');
    await page.locator('[data-testid="view-admin"] h2, [data-testid="view-admin"] table').first().waitFor();
    const problems = await seriousViolations(page);
    if (problems.length > 0) found[`${who} ${tab}`] = problems;
  }
}

describe('accessibility when signed in (axe-core)', () => {
  it('the admin panel, account, contacts and consultations have no critical or serious violation', async () => {
    const admin = await server.registered('a11y.admin');
    const org = (
      await server.api('POST', '/api/account/organisation', { name: 'Praxis Barrierefrei' }, admin.accessToken)
    ).body as { id: string };
    await server.registered('a11y.kollegin', undefined, org.id);
    const { id: colleague } = await server.db
      .updateTable('accounts')
      .set({ contact_phone: '+4917612345678', country: 'DE', name: 'Mia Kollegin' })
      .where('username', '=', 'a11y.kollegin')
      .returning('id')
      .executeTakeFirstOrThrow();
    // The practice's tenant with credits, as a workstation's sync would have left it.
    const practice = `org:${org.id}`;
    await server.seedRow(practice, 'tenants', { name: 'Hauptpraxis' });
    await server.server.ledger.importBalance(practice, 25, 'a11y-seed');

    const found: Record<string, unknown> = {};
    const harness = await signedIn('a11y.admin');
    const { page } = harness;
    try {
      await adminTabs(page, found, 'org admin');

      await page.getByTestId('nav-account').click();
      await page.getByTestId('profile-form').waitFor();
      await page.getByTestId('subscription-card').waitFor();
      const account = await seriousViolations(page);
      if (account.length > 0) found.account = account;

      await page.getByTestId('nav-contacts').click();
      await page.getByTestId(`contact-sms-${colleague}`).click();
      await page.getByTestId('contact-sms-text').fill('Bitte kurz zurückrufen.');
      const sms = await seriousViolations(page, '[data-testid="contact-sms"]');
      if (sms.length > 0) found['contact SMS'] = sms;
      await page.keyboard.press('Escape');
      const contacts = await seriousViolations(page);
      if (contacts.length > 0) found.contacts = contacts;

      await page.getByTestId('nav-calls').click();
      await page.getByTestId('invite-label').fill('Frau Berg');
      await page.getByTestId('invite-create').click();
      await page.getByTestId('invitation-code').waitFor();
      const calls = await seriousViolations(page);
      if (calls.length > 0) found.calls = calls;

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('call-station').waitFor();
      const settings = await seriousViolations(page);
      if (settings.length > 0) found['settings signed in'] = settings;
    } finally {
      await harness.close();
    }
    expect(found).toEqual({});
  });

  it('the service desk’s tabs (support, credits, billing) have none either', async () => {
    const invited = await server.server.accounts.invite({
      email: 'a11y.desk@clinicdesk.example',
      role: 'service_admin',
      organisationId: null,
      language: 'de',
    });
    const tokens = (
      await server.api('POST', `/api/registration/${invited!.token}`, { username: 'a11y.desk', password: PASSWORD })
    ).body as { accessToken: string };
    await server.api('POST', '/api/account/registration/pin', { pin: '40718253' }, tokens.accessToken);
    await server.api('POST', '/api/account/registration/pin/confirm', undefined, tokens.accessToken);
    await server.api('POST', '/api/account/registration/finish', undefined, tokens.accessToken);

    const found: Record<string, unknown> = {};
    const harness = await signedIn('a11y.desk');
    try {
      await adminTabs(harness.page, found, 'service desk');
    } finally {
      await harness.close();
    }
    expect(found).toEqual({});
  });
});
