/**
 * Invitations for patients: per participant an unguessable link (256 bits, stored as SHA-256) and a short
 * access code (9 digits, stored as an HMAC under the installation's secret, so a stolen database does not
 * give the codes away). A patient redeems one (link or code) once and gets a guest token for the signalling
 * socket; a page reload rejoins with that token, until the consultation has ended.
 *
 * Wrong codes slow down the address they come from (the client's own address when `trustProxy` names the
 * proxy): five are free, then each further try waits 30 s, doubling up to 15 minutes. Nobody else is locked
 * out: a patient behind the same NAT waits at most that delay, never a fixed 15 minutes for everyone.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Profile } from '../accounts/accountService';
import { preferencesSchema } from '../accounts/profileService';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import type { Mailer } from '../mail/mailer';
import { guestInvitationTexts } from '../mail/mailTexts';
import type { SmsGateway } from '../sms/gateway';
import { hashToken, newToken } from '../accounts/secrets';
import type { Throttle } from '../security/throttle';
import { practiceOf, readPracticeRow } from '../sync/syncService';
import type { GuestPractice, RedeemedInvitation } from '../../protocol/calls';
import { practiceLogoSchema } from '../../protocol/primitives';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const MAX_VALIDITY_MS = 31 * DAY;
/** Wrong codes per address: five free, then a delay from 30 s doubling to 15 minutes. */
export const CODE_LIMIT = { free: 5, baseMs: 30_000, maxMs: 15 * 60_000, resetAfterMs: 60 * 60_000 } as const;

export interface InvitationSettings {
  publicUrl: string;
  /** How long after the appointment's start an invitation stays valid. */
  guestWindowHours: number;
}

export interface CreatedInvitation {
  id: string;
  link: string;
  code: string;
  expiresAt: number;
}

export interface InvitationView {
  id: string;
  label: string;
  appointmentAt: number | null;
  expiresAt: number;
  redeemedAt: number | null;
  guestName: string | null;
}

export interface Guest {
  invitationId: string;
  /** The practitioner who invited, the only one the guest can reach. */
  hostId: string;
  organisationId: string | null;
  name: string | null;
  consentRequired: boolean;
  consentAt: number | null;
}

/** Nine digits from the CSPRNG, never starting with 0 (so nothing drops it as a number prefix). */
export const newAccessCode = (): string => String(randomInt(100_000_000, 1_000_000_000));

export class InvitationService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly mailer: Mailer,
    private readonly sms: SmsGateway,
    private readonly settings: InvitationSettings,
    private readonly throttle: Throttle,
    /** The keyed hash codes are stored under (HMAC with the installation's secret). */
    private readonly codeHash: (code: string) => string,
    private readonly now: () => number = Date.now,
  ) {}

  async create(
    me: Profile,
    input: {
      label: string;
      appointmentAt?: number;
      validUntil?: number;
      email?: string;
      phone?: string;
      country?: string;
      language: string;
      timeZone: string;
    },
  ): Promise<CreatedInvitation> {
    const at = this.now();
    const wanted =
      input.appointmentAt !== undefined
        ? input.appointmentAt + this.settings.guestWindowHours * HOUR
        : (input.validUntil ?? at + DAY);
    const expiresAt = Math.min(wanted, at + MAX_VALIDITY_MS);
    if (expiresAt <= at)
      throw new ApiError(400, 'bad_request', 'The invitation would already have expired', [
        { path: 'appointmentAt', code: 'invitation_in_past' },
      ]);
    let phone: string | undefined;
    if (input.phone) {
      const number = parsePhoneNumberFromString(input.phone, (input.country ?? 'DE') as CountryCode);
      if (!number?.isValid())
        throw new ApiError(400, 'bad_request', 'Invalid phone number', [{ path: 'phone', code: 'phone_invalid' }]);
      phone = number.number;
    }
    // A code must not collide with another one that is still valid.
    let code = newAccessCode();
    while (await this.activeByCodeHash(this.codeHash(code))) code = newAccessCode();
    const token = newToken();
    const id = randomUUID();
    await this.db
      .insertInto('call_invitations')
      .values({
        id,
        account_id: me.id,
        organisation_id: me.organisationId,
        label: input.label,
        token_hash: hashToken(token),
        code_hash: this.codeHash(code),
        appointment_at: input.appointmentAt ?? null,
        created_at: at,
        expires_at: expiresAt,
      })
      .execute();
    const link = new URL(`/join/${token}`, this.settings.publicUrl).toString();
    if (input.email || phone) {
      const texts = guestInvitationTexts(input.language, {
        practitioner: me.name || me.username || me.email,
        link,
        joinUrl: new URL('/join', this.settings.publicUrl).toString(),
        code,
        appointmentAt: input.appointmentAt ?? null,
        expiresAt,
        timeZone: input.timeZone,
      });
      if (input.email) await this.mailer.send({ to: input.email, ...texts.mail });
      if (phone) await this.sms.send(phone, texts.sms);
    }
    return { id, link, code, expiresAt };
  }

  private activeByCodeHash(codeHash: string) {
    return this.db
      .selectFrom('call_invitations')
      .select('id')
      .where('code_hash', '=', codeHash)
      .where('expires_at', '>', this.now())
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async list(me: Profile): Promise<InvitationView[]> {
    const rows = await this.db
      .selectFrom('call_invitations')
      .selectAll()
      .where('account_id', '=', me.id)
      .where('expires_at', '>', this.now())
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      label: row.label,
      appointmentAt: row.appointment_at,
      expiresAt: row.expires_at,
      redeemedAt: row.redeemed_at,
      guestName: row.guest_name,
    }));
  }

  async revoke(me: Profile, id: string): Promise<void> {
    const result = await this.db
      .updateTable('call_invitations')
      .set({ revoked_at: this.now() })
      .where('id', '=', id)
      .where('account_id', '=', me.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new ApiError(404, 'not_found', 'No such invitation');
  }

  /** The patient's code or link, once: a guest token for the socket, and what the page shows. */
  async redeem(secret: { code: string } | { token: string }, address: string): Promise<RedeemedInvitation> {
    // Codes are claimed before the lookup, so guesses sent at once are all counted. Links carry 256 bits:
    // nothing to guess, nothing to slow down.
    const attemptKey = 'code' in secret ? `guest-code:${address}` : null;
    const attempt = attemptKey ? await this.throttle.backoff(attemptKey, CODE_LIMIT) : { ok: true, retryAfterS: 0 };
    if (!attempt.ok)
      throw new ApiError(429, 'code_locked', 'Too many wrong codes; please wait', [
        { path: 'retryAfter', code: String(attempt.retryAfterS) },
      ]);
    // Codes issued before the keyed hash (SHA-256) are still found until they expire.
    const hashes = 'code' in secret ? [this.codeHash(secret.code), hashToken(secret.code)] : [hashToken(secret.token)];
    const row = await this.db
      .selectFrom('call_invitations')
      .innerJoin('accounts', 'accounts.id', 'call_invitations.account_id')
      .leftJoin('organisations', 'organisations.id', 'call_invitations.organisation_id')
      .select([
        'call_invitations.id',
        'call_invitations.expires_at',
        'call_invitations.redeemed_at',
        'call_invitations.revoked_at',
        'call_invitations.account_id',
        'call_invitations.organisation_id',
        'accounts.name',
        'accounts.username',
        'accounts.preferences',
        'organisations.name as organisation_name',
      ])
      .where('code' in secret ? 'call_invitations.code_hash' : 'call_invitations.token_hash', 'in', hashes)
      .orderBy('call_invitations.created_at', 'desc')
      .executeTakeFirst();
    if (!row) throw new ApiError(404, 'invitation_invalid', 'This access code or link is not valid');
    if (row.revoked_at !== null || row.expires_at <= this.now())
      throw new ApiError(410, 'invitation_expired', 'This invitation has expired');
    if (row.redeemed_at !== null) throw new ApiError(410, 'invitation_used', 'This invitation has already been used');
    const guestToken = newToken();
    const claimed = await this.db
      .updateTable('call_invitations')
      .set({ redeemed_at: this.now(), guest_token_hash: hashToken(guestToken) })
      .where('id', '=', row.id)
      .where('redeemed_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1)
      throw new ApiError(410, 'invitation_used', 'This invitation has already been used');
    // Redeemed: not a guess (an invitation redeems once, so this cannot be replayed to undo guesses).
    if (attemptKey) await this.throttle.release(attemptKey);
    return {
      guestToken,
      practitionerName: row.name || row.username || '',
      organisationName: row.organisation_name,
      practice: await this.practiceCard(practiceOf({ id: row.account_id, organisationId: row.organisation_id })),
      consentRequired: consentRequired(row.preferences),
      expiresAt: row.expires_at,
    };
  }

  /** The practice's name and phone from its synced set-up; null before a workstation synced it. */
  private async practiceCard(practiceId: string): Promise<GuestPractice | null> {
    const fields = await readPracticeRow(this.db, practiceId);
    const text = (name: string, max: number): string => {
      const value = fields?.[name]?.v;
      return typeof value === 'string' ? value.trim().slice(0, max) : '';
    };
    const name = text('name', 200);
    // Only what the guest page may show: an image data URL of a known kind (sync checked the length only).
    const logo = practiceLogoSchema.safeParse(fields?.logo?.v);
    return name ? { name, phone: text('phone', 60), logo: logo.success ? logo.data : '' } : null;
  }

  /** The guest behind a guest token, while the invitation is valid. */
  async guest(guestToken: string): Promise<Guest | null> {
    const row = await this.db
      .selectFrom('call_invitations')
      .innerJoin('accounts', 'accounts.id', 'call_invitations.account_id')
      .select([
        'call_invitations.id',
        'call_invitations.account_id',
        'call_invitations.organisation_id',
        'call_invitations.guest_name',
        'call_invitations.consent_at',
        'call_invitations.expires_at',
        'call_invitations.revoked_at',
        'call_invitations.ended_at',
        'accounts.preferences',
        'accounts.licence',
        'accounts.status',
        'accounts.deleted_at',
      ])
      .where('call_invitations.guest_token_hash', '=', hashToken(guestToken))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || row.ended_at !== null || row.expires_at <= this.now()) return null;
    // A practitioner whose licence was switched off (or who left) receives no patients either.
    if (row.licence !== 1 || row.status !== 'active' || row.deleted_at !== null) return null;
    return {
      invitationId: row.id,
      hostId: row.account_id,
      organisationId: row.organisation_id,
      name: row.guest_name,
      consentRequired: consentRequired(row.preferences),
      consentAt: row.consent_at,
    };
  }

  /** The guest's name and, where the practice asks for it, the recorded consent (with its time). */
  async join(guest: Guest, name: string, consent: boolean): Promise<Guest> {
    if (guest.consentRequired && !consent && guest.consentAt === null)
      throw new ApiError(400, 'consent_required', 'The consent must be accepted first');
    const consentAt = guest.consentAt ?? (consent ? this.now() : null);
    await this.db
      .updateTable('call_invitations')
      .set({ guest_name: name, consent_at: consentAt })
      .where('id', '=', guest.invitationId)
      .execute();
    return { ...guest, name, consentAt };
  }

  /** The consultation is over: the guest token no longer opens a socket (no knocking again afterwards). */
  async end(invitationId: string): Promise<void> {
    await this.db
      .updateTable('call_invitations')
      .set({ ended_at: this.now() })
      .where('id', '=', invitationId)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** Long-expired invitations (and the failure rows of versions before the throttles) go with the housekeeping. */
  async purge(): Promise<void> {
    await this.db.deleteFrom('code_failures').execute();
    await this.db
      .deleteFrom('call_invitations')
      .where('expires_at', '<', this.now() - 90 * DAY)
      .execute();
  }
}

function consentRequired(preferences: string): boolean {
  try {
    return preferencesSchema.parse(JSON.parse(preferences)).patientConsent;
  } catch {
    return true;
  }
}
