/**
 * An SMS to a colleague from the Contacts view (issue 18), in real Chromium over the real core and server:
 * the parts (what it costs) counted as the text is typed, "Send", the credits left; the message in the
 * carrier's hand-over with the sender's name in front.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMS_FOLDER } from '../../server/sending/carriers';
import { launchChromium } from '../harness/chromium';
import { startServerFixture, type ServerFixture } from '../harness/serverFixture';
import { signedInApp } from '../harness/signedInApp';
import type { Harness } from '../harness/testBridge';

let browser: Browser;
let server: ServerFixture;
let harness: Harness;

beforeAll(async () => {
  server = await startServerFixture();
  browser = await launchChromium();
});
afterAll(async () => {
  await harness?.close();
  await browser?.close();
  await server?.close();
});

describe('SMS to a contact in the app', () => {
  it('counts the parts as typed, sends once, and shows the credits left', async () => {
    const admin = await server.registered('dr.texter');
    const org = (await server.api('POST', '/api/account/organisation', { name: 'Praxis Text' }, admin.accessToken))
      .body as { id: string };
    await server.registered('mia.mobile', undefined, org.id);
    const { id: miaId } = await server.db
      .updateTable('accounts')
      .set({ contact_phone: '+4917612345678', country: 'DE', name: 'Mia Mobil' })
      .where('username', '=', 'mia.mobile')
      .returning('id')
      .executeTakeFirstOrThrow();
    await server.db.updateTable('accounts').set({ name: 'Dr. Texter' }).where('username', '=', 'dr.texter').execute();
    const practice = `org:${org.id}`;
    await server.db
      .insertInto('sync_rows')
      .values({
        practice_id: practice,
        table_name: 'tenants',
        row_id: randomUUID(),
        fields: JSON.stringify({
          name: { v: 'Praxis Text', s: `${server.clock.now.toString(36).padStart(9, '0')}:00000:e2e` },
        }),
        seq: 1,
      })
      .execute();
    await server.db.insertInto('sync_counters').values({ practice_id: practice, seq: 1 }).execute();
    await server.server.ledger.importBalance(practice, 3, 'e2e-contact-sms');

    harness = await signedInApp(browser, server.base, 'dr.texter', 'contacts');
    const page = harness.page;
    await page.getByTestId(`contact-sms-${miaId}`).click();
    await page.getByTestId('contact-sms-text').fill('Kannst du mich kurz zurückrufen?');
    expect(await page.getByTestId('contact-sms-parts').textContent()).toBe('1 SMS part = 1 credit from your practice');
    await page.getByTestId('contact-sms-send').dblclick();
    await expect
      .poll(() => page.getByTestId('contact-sms-done').textContent())
      .toBe('Sent (1 credit). Credits left: 2.');
    // The double click's second request is answered as soon as the first holds the debit, so "Sent" can
    // show while the first is still handing the SMS over: wait for the gateway's file, then exactly one.
    const folder = join(server.dataDir, SMS_FOLDER);
    const sent = () =>
      (existsSync(folder) ? readdirSync(folder) : []).map((f) => {
        const { to, text } = JSON.parse(readFileSync(join(folder, f), 'utf8')) as { to: string; text: string };
        return { to, text };
      });
    await expect
      .poll(sent)
      .toEqual([{ to: '+4917612345678', text: 'Dr. Texter (ClinicDesk): Kannst du mich kurz zurückrufen?' }]);
  });
});
