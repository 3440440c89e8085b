/**
 * Invitations for patients: per participant an unguessable link (256 bits) and a short access code
 * (9 digits), both stored hashed. A patient redeems one (link or code) once and gets a guest token for the
 * signalling socket; a page reload rejoins with that token. Wrong codes are counted per address: five
 * within 15 minutes lock the address for 15 minutes.
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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const MAX_VALIDITY_MS = 31 * DAY;
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_WINDOW_MS = 15 * 60_000;

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

export interface RedeemedInvitation {
  guestToken: string;
  practitionerName: string;
  organisationName: string | null;
  consentRequired: boolean;
  expiresAt: number;
}

/** Nine digits from the CSPRNG, never starting with 0 (so nothing drops it as a number prefix). */
export const newAccessCode = (): string => String(randomInt(100_000_000, 1_000_000_000));

export class InvitationService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly mailer: Mailer,
    private readonly sms: SmsGateway,
    private readonly settings: InvitationSettings,
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
    while (await this.activeByCodeHash(hashToken(code))) code = newAccessCode();
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
        code_hash: hashToken(code),
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

  /** Seconds until the address may try again, or 0. */
  private async lockedFor(address: string): Promise<number> {
    const since = this.now() - LOCK_WINDOW_MS;
    const failures = await this.db
      .selectFrom('code_failures')
      .select('at')
      .where('address', '=', address)
      .where('at', '>', since)
      .orderBy('at', 'desc')
      .limit(LOCK_AFTER_FAILURES)
      .execute();
    if (failures.length < LOCK_AFTER_FAILURES) return 0;
    return Math.ceil((failures[0]!.at + LOCK_WINDOW_MS - this.now()) / 1000);
  }

  /** The patient's code or link, once: a guest token for the socket, and what the page shows. */
  async redeem(secret: { code: string } | { token: string }, address: string): Promise<RedeemedInvitation> {
    const wait = await this.lockedFor(address);
    if (wait > 0)
      throw new ApiError(429, 'code_locked', 'Too many wrong codes; please wait', [
        { path: 'retryAfter', code: String(wait) },
      ]);
    const hash = hashToken('code' in secret ? secret.code : secret.token);
    const row = await this.db
      .selectFrom('call_invitations')
      .innerJoin('accounts', 'accounts.id', 'call_invitations.account_id')
      .leftJoin('organisations', 'organisations.id', 'call_invitations.organisation_id')
      .select([
        'call_invitations.id',
        'call_invitations.expires_at',
        'call_invitations.redeemed_at',
        'call_invitations.revoked_at',
        'accounts.name',
        'accounts.username',
        'accounts.preferences',
        'organisations.name as organisation_name',
      ])
      .where('code' in secret ? 'call_invitations.code_hash' : 'call_invitations.token_hash', '=', hash)
      .orderBy('call_invitations.created_at', 'desc')
      .executeTakeFirst();
    if (!row) {
      await this.db.insertInto('code_failures').values({ address, at: this.now() }).execute();
      throw new ApiError(404, 'invitation_invalid', 'This access code or link is not valid');
    }
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
    return {
      guestToken,
      practitionerName: row.name || row.username || '',
      organisationName: row.organisation_name,
      consentRequired: consentRequired(row.preferences),
      expiresAt: row.expires_at,
    };
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
        'accounts.preferences',
        'accounts.licence',
        'accounts.status',
        'accounts.deleted_at',
      ])
      .where('call_invitations.guest_token_hash', '=', hashToken(guestToken))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || row.expires_at <= this.now()) return null;
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

  /** Old failure counts and long-expired invitations go with the hourly housekeeping. */
  async purge(): Promise<void> {
    await this.db
      .deleteFrom('code_failures')
      .where('at', '<', this.now() - LOCK_WINDOW_MS)
      .execute();
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
