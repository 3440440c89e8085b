/**
 * Accounts: invitation by e-mailed single-use link, registration (username, password, service PIN),
 * sign-in with short-lived access tokens and rotating refresh tokens. A refresh token used twice means it
 * was stolen: the whole session family is revoked.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../db/database';
import type { AccountsTable, ServerDatabase, Role } from '../db/schema';
import { ApiError } from '../http/apiError';
import type { Mailer } from '../mail/mailer';
import { invitationNoticeMail, registrationMail } from '../mail/mailTexts';
import type { Throttle } from '../security/throttle';
import { assertPasswordPolicy, type PasswordHasher } from './passwords';
import { hashToken, newPin, newToken } from './secrets';
import type { TwoFactorService } from './twoFactor';
import { normaliseUsername, usernameKey } from './usernames';
import { pinProblem } from '../../protocol/primitives';

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Sign-in limits (README, security): per account a growing delay, per address a budget of failures. */
export const SIGN_IN_LIMITS = {
  account: { free: 5, baseMs: 1_000, maxMs: 15 * MINUTE, resetAfterMs: DAY },
  address: { max: 30, windowMs: 15 * MINUTE },
} as const;
/** Per registration link: how many usernames may be tried (a taken one is answered, so this bounds probing). */
export const USERNAME_TRIES_PER_LINK = { max: 10, windowMs: 60 * MINUTE } as const;

/** Who an invitation comes from; an invitation of one inviter is never touched by another's request. */
export type Inviter = { kind: 'self' } | { kind: 'service' } | { kind: 'organisation'; organisationId: string };

const inviterKey = (inviter: Inviter): string | null =>
  inviter.kind === 'self' ? null : inviter.kind === 'service' ? 'service' : inviter.organisationId;

/** The wizard's steps after username and password, in the edition's order; any may be left out. */
export const REGISTRATION_STEPS = ['pin', 'twoFactor', 'visibility'] as const;
export type RegistrationStep = (typeof REGISTRATION_STEPS)[number];

export interface AccountSettings {
  publicUrl: string;
  registrationSteps: readonly RegistrationStep[];
  accessTokenMinutes: number;
  refreshTokenDays: number;
  registrationLinkDays: number;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
}

/** A correct password on an account with two-factor: the sign-in continues with the SMS code. */
export interface SecondStep {
  twoFactor: true;
  challenge: string;
}

export interface Profile {
  id: string;
  email: string;
  name: string;
  username: string | null;
  role: Role;
  organisationId: string | null;
  status: string;
  language: string;
  phone: string | null;
  twoFactor: boolean;
  /** False while the registration wizard is in progress. */
  registered: boolean;
  /** False while the organisation has this user's licence switched off. */
  licence: boolean;
  /** What the wizard still has to show, in order (empty once registered). */
  pendingSteps: RegistrationStep[];
  searchable: boolean;
}

export class AccountService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly hasher: PasswordHasher,
    private readonly mailer: Mailer,
    private readonly settings: AccountSettings,
    readonly twoFactor: TwoFactorService,
    private readonly throttle: Throttle,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string, details?: object) => void = () => {},
  ) {}

  /** The link in both forms: for the desktop's protocol handler, and to paste or open on the web. */
  links(token: string): { link: string; appLink: string } {
    return {
      link: new URL(`/register/${token}`, this.settings.publicUrl).toString(),
      appLink: `clinicdesk://register?token=${token}`,
    };
  }

  /**
   * Creates an invited account, or gives a pending invitation of the same inviter a fresh link (the old one
   * stops working). An address that already has an account, or a pending invitation of another inviter, is
   * not touched: the answer is `null`, and the caller says nothing about it to the requester.
   */
  async invite(input: {
    email: string;
    role: Role;
    organisationId?: string | null;
    language: string;
    name?: string;
    /** Off for staff who registered themselves with the organisation's ID, until an admin switches it on. */
    licence?: boolean;
    /** Who asks: defaults to the organisation (or the service when there is none). */
    inviter?: Inviter;
  }): Promise<{ accountId: string; token: string } | null> {
    const email = input.email.trim().toLowerCase();
    const inviter: Inviter =
      input.inviter ??
      (input.organisationId ? { kind: 'organisation', organisationId: input.organisationId } : { kind: 'service' });
    const existing = await this.db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
    if (existing && (existing.status !== 'invited' || existing.invited_by !== inviterKey(inviter))) return null;
    const id = existing?.id ?? randomUUID();
    const token = newToken();
    const at = this.now();
    try {
      await this.db.transaction().execute(async (trx) => {
        if (!existing) {
          await trx
            .insertInto('accounts')
            .values({
              id,
              email,
              name: input.name ?? '',
              role: input.role,
              organisation_id: input.organisationId ?? null,
              status: 'invited',
              language: input.language,
              created_at: at,
              licence: input.licence === false ? 0 : 1,
              plan: input.organisationId ? 'organisation' : 'individual',
              invited_by: inviterKey(inviter),
            })
            .execute();
        }
        // A new link replaces any earlier one that was not used.
        await trx
          .updateTable('registration_links')
          .set({ used_at: at })
          .where('account_id', '=', id)
          .where('used_at', 'is', null)
          .execute();
        await trx
          .insertInto('registration_links')
          .values({
            token_hash: hashToken(token),
            account_id: id,
            created_at: at,
            expires_at: at + this.settings.registrationLinkDays * DAY,
          })
          .execute();
      });
    } catch (error) {
      // Two invitations of one new address at once: the other one won.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
    return { accountId: id, token };
  }

  /**
   * Sends the registration e-mail for a fresh link. Where the address cannot be invited (it has an account,
   * or another organisation's invitation is pending), its owner gets a short notice instead, at most once a
   * day: the requester's answer is the same either way, so nobody learns which addresses have accounts.
   */
  async sendInvitation(input: Parameters<AccountService['invite']>[0]): Promise<void> {
    const email = input.email.trim().toLowerCase();
    const invited = await this.invite(input);
    if (invited) {
      const mail = registrationMail(input.language, {
        ...this.links(invited.token),
        days: this.settings.registrationLinkDays,
      });
      await this.mailer.send({ to: email, ...mail });
      return;
    }
    if (input.inviter?.kind === 'self') return;
    const notice = await this.throttle.window(`notice:${email}`, { max: 1, windowMs: DAY });
    if (!notice.ok) return;
    const owner = await this.db.selectFrom('accounts').select('language').where('email', '=', email).executeTakeFirst();
    await this.mailer.send({ to: email, ...invitationNoticeMail(owner?.language ?? input.language) });
  }

  /**
   * Self sign-up of a practice from the desktop's first screen: an individual account (or a member of the
   * organisation whose ID was given). The answer never depends on the address: the work happens after the
   * answer, so it takes the same time whether or not the address has an account. A pending self sign-up
   * gets a new link at most once an hour; an address with an account, or invited by an organisation, gets
   * nothing (no link is used up, no mail is sent).
   */
  async signUp(email: string, language: string, organisationCode?: string): Promise<void> {
    let organisationId: string | null = null;
    if (organisationCode) {
      const organisation = await this.db
        .selectFrom('organisations')
        .select('id')
        .where('code', '=', organisationCode.trim().toUpperCase())
        .executeTakeFirst();
      if (!organisation)
        throw new ApiError(400, 'organisation_unknown', 'No organisation has this ID', [
          { path: 'organisationCode', code: 'organisation_unknown' },
        ]);
      organisationId = organisation.id;
    }
    const work = async () => {
      const address = email.trim().toLowerCase();
      const resend = await this.throttle.window(`signup:${address}`, { max: 1, windowMs: 60 * MINUTE });
      if (!resend.ok) return;
      await this.sendInvitation({
        email: address,
        role: 'member',
        language,
        organisationId,
        licence: organisationId === null,
        inviter: { kind: 'self' },
      });
    };
    const running = work()
      .catch((error: unknown) => this.log('sign-up failed', { err: error }))
      .finally(() => this.background.delete(running));
    this.background.add(running);
  }

  /** Work started after an answer (sign-up); `settled()` lets shutdown and tests wait for it. */
  private readonly background = new Set<Promise<void>>();

  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  private async link(token: string) {
    const link = await this.db
      .selectFrom('registration_links')
      .innerJoin('accounts', 'accounts.id', 'registration_links.account_id')
      .select([
        'registration_links.token_hash',
        'registration_links.expires_at',
        'registration_links.used_at',
        'accounts.id as account_id',
        'accounts.email',
        'accounts.status',
        'accounts.organisation_id',
      ])
      .where('registration_links.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!link) throw new ApiError(404, 'link_invalid', 'This registration link is not valid');
    if (link.used_at !== null || link.status !== 'invited')
      throw new ApiError(410, 'link_used', 'This registration link has already been used');
    if (link.expires_at <= this.now()) throw new ApiError(410, 'link_expired', 'This registration link has expired');
    return link;
  }

  /** What the wizard needs before its first step: who is registering, into what, and which steps follow. */
  async inspectLink(token: string): Promise<{
    email: string;
    organisationName: string | null;
    steps: readonly RegistrationStep[];
  }> {
    const link = await this.link(token);
    const organisation = link.organisation_id
      ? await this.db
          .selectFrom('organisations')
          .select('name')
          .where('id', '=', link.organisation_id)
          .executeTakeFirst()
      : undefined;
    return { email: link.email, organisationName: organisation?.name ?? null, steps: this.settings.registrationSteps };
  }

  /**
   * The wizard's first step: username and password. Uses up the link, activates the account and opens a
   * session for the remaining steps; the account counts as registered once `finishRegistration` ran.
   */
  async completeRegistration(token: string, input: { username: string; password: string }): Promise<Tokens> {
    const link = await this.link(token);
    const username = normaliseUsername(input.username);
    if (!username)
      throw new ApiError(400, 'bad_request', 'Letters, digits, dot, dash and underscore only', [
        { path: 'username', code: 'username_invalid' },
      ]);
    assertPasswordPolicy(input.password, { username, email: link.email });
    // A taken username must be answered; only the holder of a valid link can ask, and only a few times.
    const tries = await this.throttle.window(`username:${link.token_hash}`, USERNAME_TRIES_PER_LINK);
    if (!tries.ok)
      throw new ApiError(429, 'rate_limited', 'Too many attempts; please wait a moment', [
        { path: 'retryAfter', code: String(tries.retryAfterS) },
      ]);
    const key = usernameKey(username);
    const usernameTaken = () =>
      new ApiError(409, 'username_taken', 'This username is taken', [{ path: 'username', code: 'username_taken' }]);
    const taken = await this.db.selectFrom('accounts').select('id').where('username_key', '=', key).executeTakeFirst();
    if (taken) throw usernameTaken();
    const passwordHash = await this.hasher.hash(input.password);
    const at = this.now();
    await this.db
      .transaction()
      .execute(async (trx) => {
        // Claim the link first: of two concurrent completions only one gets through.
        const claimed = await trx
          .updateTable('registration_links')
          .set({ used_at: at })
          .where('token_hash', '=', link.token_hash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1)
          throw new ApiError(410, 'link_used', 'This registration link has already been used');
        await trx
          .updateTable('accounts')
          .set({
            username,
            username_key: key,
            password_hash: passwordHash,
            status: 'active',
            activated_at: at,
            registered_at: this.settings.registrationSteps.length === 0 ? at : null,
          })
          .where('id', '=', link.account_id)
          .execute();
      })
      .catch((error: unknown) => {
        // Two registrations of one username at once: the unique key decides, the loser hears "taken".
        throw isUniqueViolation(error) ? usernameTaken() : error;
      });
    return this.openSession(link.account_id, randomUUID());
  }

  /**
   * The PIN step: the 8-digit service PIN support asks for on the phone — one the user chose (the route's
   * schema refuses runs and repeats) or one drawn here — shown once and stored hashed. It can be set again
   * until the user confirmed keeping it (a reload of the wizard must not leave them with a PIN they never saw).
   */
  async createPin(accountId: string, chosen?: string): Promise<{ pin: string }> {
    let pin = chosen ?? newPin();
    // A drawn PIN follows the same rules as a chosen one.
    while (!chosen && pinProblem(pin)) pin = newPin();
    const pinHash = await this.hasher.hash(pin);
    const result = await this.db
      .updateTable('accounts')
      .set({ pin_hash: pinHash })
      .where('id', '=', accountId)
      .where('pin_confirmed_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new ApiError(409, 'pin_confirmed', 'The service PIN was already confirmed; support can reset it');
    return { pin };
  }

  async confirmPin(accountId: string): Promise<void> {
    const result = await this.db
      .updateTable('accounts')
      .set({ pin_confirmed_at: this.now() })
      .where('id', '=', accountId)
      .where('pin_hash', 'is not', null)
      .where('pin_confirmed_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new ApiError(409, 'pin_missing', 'Create the service PIN first');
  }

  /** The last step: the account is registered once every required step is done. */
  async finishRegistration(accountId: string): Promise<Profile> {
    const row = await this.db
      .selectFrom('accounts')
      .select(['pin_confirmed_at', 'registered_at'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    if (row.registered_at === null) {
      if (this.settings.registrationSteps.includes('pin') && row.pin_confirmed_at === null)
        throw new ApiError(409, 'pin_missing', 'Confirm that the service PIN is kept safe first');
      await this.db.updateTable('accounts').set({ registered_at: this.now() }).where('id', '=', accountId).execute();
    }
    return (await this.profileOf(accountId))!;
  }

  async openSession(accountId: string, familyId: string): Promise<Tokens> {
    const accessToken = newToken();
    const refreshToken = newToken();
    const at = this.now();
    const accessExpiresAt = at + this.settings.accessTokenMinutes * 60_000;
    await this.db
      .insertInto('sessions')
      .values({
        id: randomUUID(),
        account_id: accountId,
        family_id: familyId,
        access_hash: hashToken(accessToken),
        refresh_hash: hashToken(refreshToken),
        access_expires_at: accessExpiresAt,
        refresh_expires_at: at + this.settings.refreshTokenDays * DAY,
        created_at: at,
      })
      .execute();
    return { accessToken, refreshToken, accessExpiresAt };
  }

  /**
   * Username (case-insensitive) and password; the same answer for an unknown user, a wrong password or an
   * inactive account. Both limits are claimed before the (slow) hash is checked, so attempts racing each
   * other are all counted: per account a growing delay after five failures (whatever the address), and per
   * address a budget of failures across usernames. A correct password gives both claims back.
   */
  async signIn(username: string, password: string, address: string): Promise<Tokens | SecondStep> {
    const key = usernameKey(username.trim());
    const accountKey = `signin:account:${key}`;
    const addressKey = `signin:address:${address}`;
    const perAddress = await this.throttle.window(addressKey, SIGN_IN_LIMITS.address);
    const perAccount = perAddress.ok ? await this.throttle.backoff(accountKey, SIGN_IN_LIMITS.account) : perAddress;
    if (!perAddress.ok || !perAccount.ok)
      throw new ApiError(429, 'rate_limited', 'Too many attempts; please wait a moment', [
        { path: 'retryAfter', code: String(Math.max(perAddress.retryAfterS, perAccount.retryAfterS)) },
      ]);
    const account = await this.db.selectFrom('accounts').selectAll().where('username_key', '=', key).executeTakeFirst();
    const ok =
      account?.password_hash && account.status === 'active' && account.deleted_at === null
        ? await this.hasher.verify(account.password_hash, password)
        : await this.hasher.verifyNobody(password);
    if (!ok || !account) throw new ApiError(401, 'credentials_invalid', 'Username or password is wrong');
    await Promise.all([
      this.throttle.reset(accountKey),
      this.throttle.release(addressKey),
      this.renewOutdatedHash(account.id, account.password_hash!, password),
    ]);
    if (account.licence === 0 && account.registered_at !== null)
      throw new ApiError(403, 'licence_inactive', 'Your organisation has not activated your licence');
    if (account.two_factor === 1 && account.phone) {
      return {
        twoFactor: true,
        challenge: await this.twoFactor.startSignIn(account.id, account.phone, account.language),
      };
    }
    return this.openSession(account.id, randomUUID());
  }

  /**
   * A password hash made with other parameters than today's (an older default, a changed configuration)
   * is replaced while the password is at hand: once per account, on its first sign-in after the change.
   * Conditional on the old hash, so two sign-ins at once (or a password change meanwhile) write no stale one.
   */
  private async renewOutdatedHash(accountId: string, stored: string, password: string): Promise<void> {
    if (!this.hasher.isOutdated(stored)) return;
    const renewed = await this.hasher.hash(password);
    await this.db
      .updateTable('accounts')
      .set({ password_hash: renewed })
      .where('id', '=', accountId)
      .where('password_hash', '=', stored)
      .execute();
  }

  /** The second step: the SMS code for the challenge opens the session. */
  async signInWithCode(challenge: string, code: string): Promise<Tokens> {
    return this.openSession(await this.twoFactor.verifySignIn(challenge, code), randomUUID());
  }

  /** Trades a refresh token for a new pair. A token used a second time revokes its whole family. */
  async refresh(refreshToken: string): Promise<Tokens> {
    const session = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('refresh_hash', '=', hashToken(refreshToken))
      .executeTakeFirst();
    if (!session || session.revoked_at !== null || session.refresh_expires_at <= this.now()) {
      throw new ApiError(401, 'refresh_invalid', 'Please sign in again');
    }
    if (session.rotated_at !== null) {
      await this.revokeFamily(session.family_id);
      throw new ApiError(401, 'refresh_reused', 'This session was ended for your safety. Please sign in again');
    }
    const claimed = await this.db
      .updateTable('sessions')
      .set({ rotated_at: this.now(), access_expires_at: 0 })
      .where('id', '=', session.id)
      .where('rotated_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) {
      await this.revokeFamily(session.family_id);
      throw new ApiError(401, 'refresh_reused', 'This session was ended for your safety. Please sign in again');
    }
    return this.openSession(session.account_id, session.family_id);
  }

  async signOut(refreshToken: string): Promise<void> {
    const session = await this.db
      .selectFrom('sessions')
      .select('family_id')
      .where('refresh_hash', '=', hashToken(refreshToken))
      .executeTakeFirst();
    if (session) await this.revokeFamily(session.family_id);
  }

  private async revokeFamily(familyId: string): Promise<void> {
    const session = await this.db
      .selectFrom('sessions')
      .select('account_id')
      .where('family_id', '=', familyId)
      .executeTakeFirst();
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: this.now() })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
    // Sign-out or a stolen token: open sockets of the account close too (the other devices reconnect).
    if (session) for (const listener of this.revokeListeners) listener(session.account_id);
  }

  /** The account behind a valid access token, or null. */
  async authenticate(accessToken: string): Promise<Profile | null> {
    // The session and its account in one query: every authenticated request and socket asks this, and a
    // round trip costs more than the join (issue 17).
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
      .selectAll('accounts')
      .where('sessions.access_hash', '=', hashToken(accessToken))
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.access_expires_at', '>', this.now())
      .executeTakeFirst();
    return row ? this.profileFrom(row) : null;
  }

  /** An active (not deleted) account as its owner sees it. */
  async profileOf(accountId: string): Promise<Profile | null> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
    return row ? this.profileFrom(row) : null;
  }

  private profileFrom(row: Selectable<AccountsTable>): Profile | null {
    if (row.status !== 'active' || row.deleted_at !== null) return null;
    const pendingSteps =
      row.registered_at !== null
        ? []
        : this.settings.registrationSteps.filter(
            (step) =>
              (step === 'pin' && row.pin_confirmed_at === null) ||
              (step === 'twoFactor' && row.two_factor === 0) ||
              step === 'visibility',
          );
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      username: row.username,
      role: row.role,
      organisationId: row.organisation_id,
      status: row.status,
      language: row.language,
      phone: row.phone,
      twoFactor: row.two_factor === 1,
      registered: row.registered_at !== null,
      licence: row.licence === 1,
      pendingSteps,
      searchable: row.searchable === 1,
    };
  }

  /**
   * Sessions whose refresh token has expired, and revoked or rotated ones after a day, go with the hourly
   * housekeeping: every sign-in and every refresh adds a row. A rotated row serves reuse detection (its old
   * refresh token presented again revokes the family); a day covers a stolen token replayed while the
   * legitimate client keeps refreshing, after which the old token is simply unknown.
   */
  async purgeSessions(): Promise<number> {
    const now = this.now();
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('refresh_expires_at', '<=', now),
          eb('revoked_at', '<', now - DAY),
          eb('rotated_at', '<', now - DAY),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private readonly revokeListeners: ((accountId: string) => void)[] = [];

  /** Told when an account's sessions end, so open sockets close too. */
  onSessionsRevoked(listener: (accountId: string) => void): void {
    this.revokeListeners.push(listener);
  }

  /** Ends every session of an account (licence switched off, account deleted, password changed). */
  async revokeSessions(accountId: string, exceptFamily?: string): Promise<void> {
    let query = this.db
      .updateTable('sessions')
      .set({ revoked_at: this.now() })
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null);
    if (exceptFamily) query = query.where('family_id', '!=', exceptFamily);
    await query.execute();
    for (const listener of this.revokeListeners) listener(accountId);
  }

  /** Re-checks the signed-in user's password before a sensitive change. */
  async checkPassword(accountId: string, password: string): Promise<boolean> {
    const account = await this.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', accountId)
      .executeTakeFirst();
    return account?.password_hash
      ? this.hasher.verify(account.password_hash, password)
      : this.hasher.verifyNobody(password);
  }

  /** Support checks a caller's PIN (service admins only; rate-limited at the route). */
  async checkPin(username: string, pin: string): Promise<boolean> {
    const account = await this.db
      .selectFrom('accounts')
      .select('pin_hash')
      .where('username_key', '=', usernameKey(username.trim()))
      .executeTakeFirst();
    return account?.pin_hash ? this.hasher.verify(account.pin_hash, pin) : this.hasher.verifyNobody(pin);
  }
}
