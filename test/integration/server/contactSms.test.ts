/**
 * An SMS to a contact (issue 18): only to one's contacts, only to the mobile number they gave, paid with
 * the practice's credits, once per idempotency key when two requests race, refused without credits, a
 * mobile, or a running subscription — each with its own reason, and nothing sent or debited then.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, SMS_FOLDER, type OutgoingSms, type SmsCarrier } from '../../../server/sending/carriers';
import { startServerFixture, type ServerFixture } from '../../harness/serverFixture';

let f: ServerFixture;
beforeAll(async () => {
  f = await startServerFixture();
});
afterAll(() => f?.close());

/** The carrier's hand-overs (one file per message reference). */
const sent = (): { to: string; text: string }[] => {
  const folder = join(f.dataDir, SMS_FOLDER);
  if (!existsSync(folder)) return [];
  const files = readdirSync(folder);
  return files.map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as { to: string; text: string });
};

describe('SMS to a contact', () => {
  it('goes once to the contact’s mobile and costs its parts; refusals change nothing', async () => {
    const admin = await f.registered('sms.admin');
    const org = (await f.api('POST', '/api/account/organisation', { name: 'Praxis SMS' }, admin.accessToken)).body as {
      id: string;
    };
    await f.registered('sms.mobile', undefined, org.id);
    await f.registered('sms.nomobile', undefined, org.id);
    const outsider = await f.registered('sms.outsider');
    await f.db
      .updateTable('accounts')
      .set({ contact_phone: '+41791234567', country: 'CH' })
      .where('username', '=', 'sms.mobile')
      .execute();
    const idOf = async (username: string) =>
      (await f.db.selectFrom('accounts').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
    const mobileId = await idOf('sms.mobile');
    const noMobileId = await idOf('sms.nomobile');
    const outsiderId = await idOf('sms.outsider');
    const practice = `org:${org.id}`;
    const tenantId = randomUUID();
    // The practice's tenant, as a workstation's sync would have brought it.
    const stamp = `${f.clock.now.toString(36).padStart(9, '0')}:00000:test`;
    await f.db
      .insertInto('sync_rows')
      .values({
        practice_id: practice,
        table_name: 'tenants',
        row_id: tenantId,
        fields: JSON.stringify({ name: { v: 'Praxis SMS', s: stamp } }),
        seq: 1,
      })
      .execute();
    await f.db.insertInto('sync_counters').values({ practice_id: practice, seq: 1 }).execute();
    await f.server.ledger.importBalance(practice, 3, 'contact-sms-seed');
    const balance = async () =>
      (await f.server.ledger.balances(practice)).find((t) => t.tenantId === tenantId)!.balance;
    const sms = (to: string, text: string, key: string, token = admin.accessToken) =>
      f.api('POST', `/api/contacts/${to}/sms`, { text, idempotencyKey: key }, token);

    // Two requests with one key (a double click): one SMS, one debit.
    const [one, two] = await Promise.all([
      sms(mobileId, 'Bitte rufen Sie mich zurück.', 'contact-sms-key-0001'),
      sms(mobileId, 'Bitte rufen Sie mich zurück.', 'contact-sms-key-0001'),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body.parts).toBe(1);
    expect(await balance()).toBe(2);
    expect(sent()).toEqual([
      { to: '+41791234567', text: 'sms.admin (ClinicDesk): Bitte rufen Sie mich zurück.', at: expect.any(String) },
    ]);

    // The same key again with another text (a client replaying it): nothing more is sent or debited.
    expect((await sms(mobileId, 'Something else entirely', 'contact-sms-key-0001')).status).toBe(200);
    expect(sent()).toHaveLength(1);
    expect(await balance()).toBe(2);

    // Refusals: each its own reason; nothing sent, nothing debited.
    expect((await sms(outsiderId, 'Hallo', 'contact-sms-key-0002')).status).toBe(404);
    expect((await sms(noMobileId, 'Hallo', 'contact-sms-key-0003')).body.error.code).toBe('contact_no_mobile');
    const long = 'Ein längerer Text mit Umlauten, der mehrere Teile braucht. '.repeat(5);
    expect((await sms(mobileId, long, 'contact-sms-key-0004')).body.error.code).toBe('credits_insufficient');
    expect((await sms(mobileId, '', 'contact-sms-key-0005')).status).toBe(400);
    // The outsider cannot reach the organisation's colleague either.
    expect((await sms(mobileId, 'Hallo', 'contact-sms-key-0006', outsider.accessToken)).status).toBe(404);
    expect(sent()).toHaveLength(1);
    expect(await balance()).toBe(2);

    // After the trial: no SMS.
    const trial = (await f.api('GET', '/api/billing/subscription', undefined, admin.accessToken)).body;
    f.clock.now = trial.trialEndsAt + 1;
    const again = (
      await f.api('POST', '/api/auth/sign-in', { username: 'sms.admin', password: 'Correct-Horse-7-Battery' })
    ).body as { accessToken: string };
    expect((await sms(mobileId, 'Hallo', 'contact-sms-key-0007', again.accessToken)).body.error.code).toBe(
      'subscription_required',
    );
    expect(sent()).toHaveLength(1);
    expect(await balance()).toBe(2);
  });

  it('a repeat answers with the first request’s outcome: failed and refunded, or still with the carrier', async () => {
    // A carrier that holds each hand-over until the test lets it go, then fails it (an unreachable provider).
    const held: { sms: OutgoingSms; release: () => void }[] = [];
    const carrier: SmsCarrier = {
      name: 'held',
      send: (sms) =>
        new Promise((_, reject) => {
          held.push({ sms, release: () => reject(new SendError(false, 'provider unreachable')) });
        }),
    };
    const g = await startServerFixture({ build: { carrier, contactSmsWaitMs: 1_500 } });
    try {
      const admin = await g.registered('held.admin');
      const org = (await g.api('POST', '/api/account/organisation', { name: 'Praxis Held' }, admin.accessToken))
        .body as { id: string };
      await g.registered('held.mobile', undefined, org.id);
      await g.db
        .updateTable('accounts')
        .set({ contact_phone: '+4915112345678', country: 'DE' })
        .where('username', '=', 'held.mobile')
        .execute();
      const mobileId = (
        await g.db.selectFrom('accounts').select('id').where('username', '=', 'held.mobile').executeTakeFirstOrThrow()
      ).id;
      const practice = `org:${org.id}`;
      const tenantId = await g.seedRow(practice, 'tenants', { name: 'Praxis Held' });
      await g.server.ledger.importBalance(practice, 5, 'held-seed');
      const balance = async () =>
        (await g.server.ledger.balances(practice)).find((t) => t.tenantId === tenantId)!.balance;
      const sms = () =>
        g.api(
          'POST',
          `/api/contacts/${mobileId}/sms`,
          { text: 'Rückruf bitte', idempotencyKey: 'contact-sms-held-0001' },
          admin.accessToken,
        );

      const first = sms();
      await expect.poll(() => held.length).toBe(1);
      expect(await balance()).toBe(4);
      // While the first is with the carrier, a repeat does not claim "sent": it waits, then says so.
      const whileHeld = await sms();
      expect(whileHeld.status).toBe(409);
      expect(whileHeld.body.error.code).toBe('sms_pending');
      expect(held).toHaveLength(1);

      // A repeat that arrives while the first is held and is answered after the first failed: failed too.
      const waiting = sms();
      held[0]!.release();
      const [one, two] = await Promise.all([first, waiting]);
      expect(one.status).toBe(502);
      expect(two.status).toBe(502);
      expect(two.body.error.issues[0].code).toBe('sms_failed');
      // Later repeats: the same outcome; the credits came back once; nothing was handed over again.
      const later = await sms();
      expect([later.status, later.body.error.code]).toEqual([502, 'sms_failed']);
      expect(await balance()).toBe(5);
      expect(held).toHaveLength(1);
    } finally {
      await g.close();
    }
  });
});
