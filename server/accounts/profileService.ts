/**
 * What users change themselves: address and phone (name and e-mail only through an admin or support), the
 * password, and the account's settings. Everything is validated before anything is written.
 */
import type { Kysely } from 'kysely';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import {
  accountPreferencesSchema,
  type AccountPreferences,
  type AccountSettings,
  type ProfileDetails,
} from '../../protocol/accounts';
import { languageSchema } from '../../protocol/primitives';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import type { AccountService, Tokens } from './accountService';
import { assertPasswordPolicy, type PasswordHasher } from './passwords';
import { randomUUID } from 'node:crypto';

export const preferencesSchema = accountPreferencesSchema;
export type Preferences = AccountPreferences;
export type AccountSettingsView = AccountSettings;
export type ProfileView = ProfileDetails;

export interface ProfileEdit {
  address?: string;
  postcode?: string;
  city?: string;
  /** ISO 3166 alpha-2. */
  country?: string;
  phone?: string;
}

const readPreferences = (json: string): Preferences => {
  try {
    return preferencesSchema.parse(JSON.parse(json));
  } catch {
    return preferencesSchema.parse({});
  }
};

export class ProfileService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly hasher: PasswordHasher,
    private readonly accounts: AccountService,
    private readonly network: { termsVersion: string; now: () => number } = { termsVersion: '2026-11', now: Date.now },
  ) {}

  async profile(accountId: string): Promise<ProfileView> {
    const row = await this.db
      .selectFrom('accounts')
      .leftJoin('organisations', 'organisations.id', 'accounts.organisation_id')
      .select([
        'accounts.name',
        'accounts.email',
        'accounts.username',
        'accounts.address',
        'accounts.postcode',
        'accounts.city',
        'accounts.country',
        'accounts.contact_phone',
        'accounts.phone',
        'accounts.two_factor',
        'accounts.role',
        'organisations.id as organisation_id',
        'organisations.name as organisation_name',
        'organisations.code as organisation_code',
      ])
      .where('accounts.id', '=', accountId)
      .executeTakeFirstOrThrow();
    return {
      name: row.name,
      email: row.email,
      username: row.username,
      address: row.address ?? '',
      postcode: row.postcode ?? '',
      city: row.city ?? '',
      country: row.country ?? '',
      phone: row.contact_phone ?? '',
      twoFactor: row.two_factor === 1,
      twoFactorPhone: row.two_factor === 1 ? row.phone : null,
      role: row.role,
      organisation: row.organisation_id
        ? { id: row.organisation_id, name: row.organisation_name ?? '', code: row.organisation_code ?? '' }
        : null,
    };
  }

  async updateProfile(accountId: string, edit: ProfileEdit): Promise<ProfileView> {
    const current = await this.profile(accountId);
    const country = edit.country ?? current.country;
    let phone = edit.phone;
    if (phone !== undefined && phone.trim() !== '') {
      const number = parsePhoneNumberFromString(phone, (country || 'DE') as CountryCode);
      if (!number?.isValid())
        throw new ApiError(400, 'bad_request', 'Invalid phone number', [{ path: 'phone', code: 'phone_invalid' }]);
      phone = number.number;
    }
    const changes = {
      ...(edit.address !== undefined ? { address: edit.address } : {}),
      ...(edit.postcode !== undefined ? { postcode: edit.postcode } : {}),
      ...(edit.city !== undefined ? { city: edit.city } : {}),
      ...(edit.country !== undefined ? { country: edit.country } : {}),
      ...(phone !== undefined ? { contact_phone: phone.trim() === '' ? null : phone } : {}),
    };
    // An empty edit changes nothing (and an UPDATE without columns is no SQL at all).
    if (Object.keys(changes).length > 0)
      await this.db.updateTable('accounts').set(changes).where('id', '=', accountId).execute();
    return this.profile(accountId);
  }

  /** A new password (entered twice) after the current one; every session ends and a fresh one opens. */
  async changePassword(
    accountId: string,
    input: { current: string; password: string; repeat: string },
  ): Promise<Tokens> {
    if (input.password !== input.repeat)
      throw new ApiError(400, 'password_mismatch', 'The two passwords differ', [
        { path: 'repeat', code: 'password_mismatch' },
      ]);
    if (!(await this.accounts.checkPassword(accountId, input.current)))
      throw new ApiError(401, 'credentials_invalid', 'The current password is wrong', [
        { path: 'current', code: 'credentials_invalid' },
      ]);
    const row = await this.db
      .selectFrom('accounts')
      .select(['username', 'email'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    assertPasswordPolicy(input.password, row);
    const hash = await this.hasher.hash(input.password);
    await this.db.updateTable('accounts').set({ password_hash: hash }).where('id', '=', accountId).execute();
    await this.accounts.revokeSessions(accountId);
    return this.accounts.openSession(accountId, randomUUID());
  }

  async settings(accountId: string): Promise<AccountSettingsView> {
    const row = await this.db
      .selectFrom('accounts')
      .select(['language', 'searchable', 'preferences', 'network', 'network_terms_version', 'network_accepted_at'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    const current = row.network_terms_version === this.network.termsVersion;
    return {
      language: languageSchema.catch('en').parse(row.language),
      searchable: row.searchable === 1,
      ...readPreferences(row.preferences),
      network: {
        // Switched on, and on the terms in force: terms that changed since pause participation.
        participating: row.network === 1 && current,
        termsVersion: this.network.termsVersion,
        acceptedVersion: row.network_terms_version,
        acceptedAt: row.network_accepted_at,
      },
    };
  }

  async updateSettings(accountId: string, edit: SettingsEdit): Promise<AccountSettingsView> {
    const { language, searchable, network, ...rest } = edit;
    const consent = network ? await this.networkChange(accountId, network) : {};
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('accounts')
        .select('preferences')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      const preferences = preferencesSchema.parse({ ...readPreferences(row.preferences), ...rest });
      await trx
        .updateTable('accounts')
        .set({
          preferences: JSON.stringify(preferences),
          ...(language !== undefined ? { language } : {}),
          ...(searchable !== undefined ? { searchable: searchable ? 1 : 0 } : {}),
          ...consent,
        })
        .where('id', '=', accountId)
        .execute();
    });
    return this.settings(accountId);
  }

  /**
   * Switching network participation on needs the current terms accepted: in this request (`acceptTerms`
   * naming the version in force, recorded with the time) or before. Switching off keeps the record.
   */
  private async networkChange(
    accountId: string,
    change: { participating: boolean; acceptTerms?: string },
  ): Promise<{ network?: number; network_terms_version?: string; network_accepted_at?: number }> {
    if (!change.participating) return { network: 0 };
    const version = this.network.termsVersion;
    if (change.acceptTerms !== undefined && change.acceptTerms !== version)
      throw new ApiError(400, 'bad_request', `The terms in force are version ${version}`, [
        { path: 'network.acceptTerms', code: 'terms_outdated' },
      ]);
    if (change.acceptTerms === version)
      return { network: 1, network_terms_version: version, network_accepted_at: this.network.now() };
    const row = await this.db
      .selectFrom('accounts')
      .select('network_terms_version')
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    if (row.network_terms_version !== version)
      throw new ApiError(400, 'bad_request', 'The network terms must be accepted first', [
        { path: 'network.acceptTerms', code: 'terms_not_accepted' },
      ]);
    return { network: 1 };
  }
}

export type SettingsEdit = Partial<Omit<AccountSettingsView, 'network'>> & {
  network?: { participating: boolean; acceptTerms?: string };
};
