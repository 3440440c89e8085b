/**
 * A short SMS from one registered user to a contact's mobile (issue 18, the help pages' "contact by
 * SMS"): only to someone in the sender's contacts (a colleague, or a visible user they added), only to a
 * mobile number the contact gave in their profile (never the two-factor number), paid with the sender
 * practice's SMS credits, and only with a running trial or subscription.
 *
 * Once per idempotency key: the debit's ledger key is derived from it, and a request whose key was
 * debited already (a double click, a retry, two racing requests) sends nothing — so a key cannot be
 * reused to send other texts for free. A process that dies between the debit and the hand-over loses
 * that one SMS (its credits stay taken); the carrier's reference comes from the key as well.
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

export class ContactSms {
  constructor(
    private readonly deps: {
      db: Kysely<ServerDatabase>;
      contacts: ContactService;
      ledger: CreditLedger;
      carrier: SmsCarrier;
      requireUsable: (profile: Profile) => Promise<void>;
    },
  ) {}

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
    // An attempt that failed and was refunded is over: a retry with its key sends nothing for free.
    if (await this.deps.ledger.hasEntry(`refund:${key}`))
      throw new ApiError(409, 'sms_failed', 'This SMS failed before; send it again as a new one');
    const balanceOf = async () =>
      (await this.deps.ledger.balances(practiceId)).find((t) => t.tenantId === tenantId)?.balance ?? 0;
    // A repeat of this key (a double click, a retry) is the same SMS: it was debited and handed over by
    // the first request; nothing is sent again.
    if (await this.deps.ledger.hasEntry(key)) return { parts, balance: await balanceOf() };
    const paid = await this.deps.db
      .transaction()
      .execute((trx) =>
        this.deps.ledger.append(trx, {
          practiceId,
          tenantId,
          kind: 'debit',
          amount: -parts,
          key,
          messageId: null,
          note: `SMS to ${contact.name || contact.username}`,
        }),
      )
      // Two requests with one key raced for the debit: the other one made it and hands the SMS over.
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) return 'raced' as const;
        throw error;
      });
    if (paid === 'raced') return { parts, balance: await balanceOf() };
    if (!paid)
      throw new ApiError(402, 'credits_insufficient', 'Not enough SMS credits', [
        { path: 'tenantId', code: 'credits_insufficient' },
      ]);
    try {
      await this.deps.carrier.send({ reference: referenceFor(key), to: mobile.e164, text });
    } catch (error) {
      // Not handed over: the credits come back (once), and the sender is told.
      await this.deps.db.transaction().execute((trx) =>
        this.deps.ledger.append(trx, {
          practiceId,
          tenantId,
          kind: 'refund',
          amount: parts,
          key: `refund:${key}`,
          messageId: null,
          note: 'SMS not sent',
        }),
      );
      throw new ApiError(502, 'sms_failed', 'The SMS could not be sent; the credits were given back', [
        { path: 'text', code: error instanceof SendError && error.permanent ? 'sms_refused' : 'sms_failed' },
      ]);
    }
    return { parts, balance: await balanceOf() };
  }
}
