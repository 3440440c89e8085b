/**
 * A short SMS from one registered user to a contact's mobile (issue 18, the help pages' "contact by
 * SMS"): only to someone in the sender's contacts (a colleague, or a visible user they added), only to a
 * mobile number the contact gave in their profile (never the two-factor number), paid with the sender
 * practice's SMS credits, and only with a running trial or subscription.
 *
 * Once per idempotency key: the debit's ledger key is derived from it, and a request whose key was
 * debited already (a double click, a retry, two racing requests) sends nothing — so a key cannot be
 * reused to send other texts for free — and answers with the first request's outcome (sent, or failed
 * and refunded), waiting for it while the first is still with the carrier. A process that dies between
 * the debit and the hand-over loses that one SMS (its credits stay taken; repeats say "still being
 * handed over"); the carrier's reference comes from the key as well.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { countSms } from '../../protocol/messaging/smsSegments';
import { normaliseMobile } from '../../protocol/phone';
import type { Profile } from '../accounts/accountService';
import { isUniqueViolation } from '../db/database';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { SendError, type SmsCarrier } from '../sending/carriers';
import type { CreditLedger } from '../sending/ledger';
import { practiceOf } from '../sync/syncService';
import type { ContactService } from './contactService';

/** A UUID-shaped reference from a key: the same key gives the same carrier reference. */
const referenceFor = (key: string): string => {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

class InsufficientCredits extends Error {}

const failed = (failure: string | null): ApiError =>
  new ApiError(502, 'sms_failed', 'The SMS could not be sent; the credits were given back', [
    { path: 'text', code: failure ?? 'sms_failed' },
  ]);

export class ContactSms {
  constructor(
    private readonly deps: {
      db: Kysely<ServerDatabase>;
      contacts: ContactService;
      ledger: CreditLedger;
      carrier: SmsCarrier;
      requireUsable: (profile: Profile) => Promise<void>;
      now?: () => number;
      /** How long a repeat of a key waits for the first request's outcome (default 20 s). */
      repeatWaitMs?: number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async exists(key: string): Promise<boolean> {
    const row = await this.deps.db.selectFrom('contact_sms').select('key').where('key', '=', key).executeTakeFirst();
    // Keys debited before the outcome was kept (migration 014) count as sent.
    return row !== undefined || (await this.deps.ledger.hasEntry(key));
  }

  /**
   * The first request's outcome; while it is still with the carrier, waits for it (polling the row, which
   * any server process may settle) up to `repeatWaitMs` — longer than a carrier's own time-out, so only a
   * process that died between the debit and the hand-over leaves it 'sending'.
   */
  private async outcomeOf(
    key: string,
  ): Promise<{ state: 'sending' | 'sent' | 'failed'; failure: string | null; parts: number }> {
    const waitUntil = Date.now() + (this.deps.repeatWaitMs ?? 20_000);
    for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
      const row = await this.deps.db
        .selectFrom('contact_sms')
        .select(['state', 'failure', 'parts'])
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) return { state: 'sent', failure: null, parts: 0 }; // debited before migration 014
      if (row.state !== 'sending' || Date.now() >= waitUntil) return row;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  async send(
    me: Profile,
    input: { contactId: string; text: string; tenantId?: string | undefined; idempotencyKey: string },
  ): Promise<{ parts: number; balance: number }> {
    const contact = (await this.deps.contacts.list(me)).find((c) => c.id === input.contactId);
    if (!contact) throw new ApiError(404, 'not_found', 'Not one of your contacts');
    await this.deps.requireUsable(me);
    const row = await this.deps.db
      .selectFrom('accounts')
      .select(['contact_phone', 'country'])
      .where('id', '=', contact.id)
      .executeTakeFirst();
    const mobile = row?.contact_phone ? normaliseMobile(row.contact_phone, row.country ?? 'DE') : null;
    if (!mobile?.ok)
      throw new ApiError(409, 'contact_no_mobile', 'This contact has no mobile number for SMS', [
        { path: 'contact', code: 'contact_no_mobile' },
      ]);
    const sender = me.name || me.username || me.email;
    const text = `${sender} (ClinicDesk): ${input.text.trim()}`;
    const parts = countSms(text).segments;
    const practiceId = practiceOf(me);
    const tenants = await this.deps.ledger.tenants(practiceId);
    const tenantId = input.tenantId ?? tenants[0]?.id;
    if (!tenantId || !tenants.some((t) => t.id === tenantId))
      throw new ApiError(409, 'tenant_unknown', 'No such tenant in this practice', [
        { path: 'tenantId', code: 'tenant_unknown' },
      ]);
    const key = `contact-sms:${practiceId}:${me.id}:${input.idempotencyKey}`;
    const balanceOf = async () =>
      (await this.deps.ledger.balances(practiceId)).find((t) => t.tenantId === tenantId)?.balance ?? 0;
    // A repeat of this key (a double click, a retry) is the same SMS: it answers with the first request's
    // outcome, waiting while that one is still with the carrier, and sends nothing again.
    const repeat = async (): Promise<{ parts: number; balance: number }> => {
      const outcome = await this.outcomeOf(key);
      if (outcome.state === 'failed') throw failed(outcome.failure);
      if (outcome.state === 'sending')
        throw new ApiError(409, 'sms_pending', 'This SMS is still being handed over; look again shortly', [
          { path: 'text', code: 'sms_pending' },
        ]);
      return { parts: outcome.parts, balance: await balanceOf() };
    };
    if (await this.exists(key)) return repeat();
    const paid = await this.deps.db
      .transaction()
      .execute(async (trx) => {
        // The key's row first: of two racing requests, the second stops here (unique key).
        await trx
          .insertInto('contact_sms')
          .values({ key, practice_id: practiceId, state: 'sending', failure: null, parts, updated_at: this.now() })
          .execute();
        const ok = await this.deps.ledger.append(trx, {
          practiceId,
          tenantId,
          kind: 'debit',
          amount: -parts,
          key,
          messageId: null,
          note: `SMS to ${contact.name || contact.username}`,
        });
        // Not enough credits: nothing is kept, not even the key's row.
        if (!ok) throw new InsufficientCredits();
        return true;
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return 'raced' as const;
        if (error instanceof InsufficientCredits) return false;
        throw error;
      });
    if (paid === 'raced') return repeat();
    if (!paid)
      throw new ApiError(402, 'credits_insufficient', 'Not enough SMS credits', [
        { path: 'tenantId', code: 'credits_insufficient' },
      ]);
    try {
      await this.deps.carrier.send({ reference: referenceFor(key), to: mobile.e164, text });
    } catch (error) {
      // Not handed over: the credits come back (once), the outcome is kept for repeats, the sender is told.
      const failure = error instanceof SendError && error.permanent ? 'sms_refused' : 'sms_failed';
      await this.deps.db.transaction().execute(async (trx) => {
        await this.deps.ledger.append(trx, {
          practiceId,
          tenantId,
          kind: 'refund',
          amount: parts,
          key: `refund:${key}`,
          messageId: null,
          note: 'SMS not sent',
        });
        await trx
          .updateTable('contact_sms')
          .set({ state: 'failed', failure, updated_at: this.now() })
          .where('key', '=', key)
          .execute();
      });
      throw failed(failure);
    }
    await this.deps.db
      .updateTable('contact_sms')
      .set({ state: 'sent', updated_at: this.now() })
      .where('key', '=', key)
      .execute();
    return { parts, balance: await balanceOf() };
  }
}
