/**
 * SMS two-factor. Codes are 8 digits, valid 10 minutes, stored hashed; a new code can be requested at the
 * earliest 60 seconds after the last one, and five wrong entries lock a code.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { normaliseMobile } from '../../protocol/phone';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { smsCodeText } from '../mail/mailTexts';
import type { SmsGateway } from '../sms/gateway';
import type { PasswordHasher } from './passwords';
import { hashToken, newPin, newToken } from './secrets';

export const RESEND_AFTER_MS = 60_000;
export const CODE_LIFETIME_MS = 10 * 60_000;
export const MAX_ATTEMPTS = 5;

type Purpose = 'enable' | 'sign_in';

export class TwoFactorService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly hasher: PasswordHasher,
    private readonly sms: SmsGateway,
    private readonly now: () => number = Date.now,
  ) {}

  private async issue(accountId: string, purpose: Purpose, phone: string, language: string): Promise<string> {
    const at = this.now();
    const last = await this.db
      .selectFrom('sms_codes')
      .select('created_at')
      .where('account_id', '=', accountId)
      .where('purpose', '=', purpose)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (last && at - last.created_at < RESEND_AFTER_MS) {
      const wait = Math.ceil((RESEND_AFTER_MS - (at - last.created_at)) / 1000);
      throw new ApiError(429, 'code_too_soon', `A new code can be requested in ${wait} s`, [
        { path: 'retryAfter', code: String(wait) },
      ]);
    }
    const code = newPin();
    const challenge = newToken();
    await this.db.transaction().execute(async (trx) => {
      // Only the newest code counts.
      await trx
        .updateTable('sms_codes')
        .set({ used_at: at })
        .where('account_id', '=', accountId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
      await trx
        .insertInto('sms_codes')
        .values({
          id: randomUUID(),
          account_id: accountId,
          purpose,
          phone,
          code_hash: await this.hasher.hash(code),
          challenge_hash: hashToken(challenge),
          created_at: at,
          expires_at: at + CODE_LIFETIME_MS,
        })
        .execute();
    });
    await this.sms.send(phone, smsCodeText(language, code));
    return challenge;
  }

  /**
   * Checks a code; every entry counts, and after the fifth the code is locked. The attempt is claimed with
   * one conditional update before the (slow) hash check, so codes sent at once are counted at once: the
   * sixth of twenty parallel guesses is refused without being checked. Using the code is claimed the same
   * way, so a right code sent twice at once signs in once.
   */
  private async check(where: { accountId: string; purpose: 'enable' } | { challenge: string }, code: string) {
    let query = this.db.selectFrom('sms_codes').selectAll().where('used_at', 'is', null);
    query =
      'challenge' in where
        ? query.where('challenge_hash', '=', hashToken(where.challenge)).where('purpose', '=', 'sign_in')
        : query.where('account_id', '=', where.accountId).where('purpose', '=', where.purpose);
    const row = await query.orderBy('created_at', 'desc').executeTakeFirst();
    if (!row)
      throw new ApiError(400, 'code_invalid', 'This code is not valid', [{ path: 'code', code: 'code_invalid' }]);
    if (row.expires_at <= this.now())
      throw new ApiError(400, 'code_expired', 'This code has expired', [{ path: 'code', code: 'code_expired' }]);
    const locked = () =>
      new ApiError(429, 'code_locked', 'Too many wrong codes; request a new one', [
        { path: 'code', code: 'code_locked' },
      ]);
    const invalid = () =>
      new ApiError(400, 'code_invalid', 'This code is not valid', [{ path: 'code', code: 'code_invalid' }]);
    const attempt = await this.db
      .updateTable('sms_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', row.id)
      .where('attempts', '<', MAX_ATTEMPTS)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(attempt.numUpdatedRows) !== 1) throw locked();
    if (!(await this.hasher.verify(row.code_hash, code))) throw invalid();
    const use = await this.db
      .updateTable('sms_codes')
      .set({ used_at: this.now() })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(use.numUpdatedRows) !== 1) throw invalid();
    return { accountId: row.account_id, phone: row.phone };
  }

  /** Step one of switching on: a code to the (mobile) number. */
  async startEnable(accountId: string, rawPhone: string, country: string, language: string): Promise<void> {
    const number = normaliseMobile(rawPhone, country);
    if (!number.ok)
      throw new ApiError(400, 'bad_request', 'SMS needs a valid mobile number', [{ path: 'phone', code: number.code }]);
    await this.issue(accountId, 'enable', number.e164, language);
  }

  async confirmEnable(accountId: string, code: string): Promise<void> {
    const { phone } = await this.check({ accountId, purpose: 'enable' }, code);
    await this.db.updateTable('accounts').set({ phone, two_factor: 1 }).where('id', '=', accountId).execute();
  }

  async disable(accountId: string): Promise<void> {
    await this.db.updateTable('accounts').set({ two_factor: 0 }).where('id', '=', accountId).execute();
  }

  /** After a correct password: a code to the account's phone, and a challenge to answer with it. */
  startSignIn(accountId: string, phone: string, language: string): Promise<string> {
    return this.issue(accountId, 'sign_in', phone, language);
  }

  /** A new code for a pending sign-in (the 60-second rule applies); returns the new challenge. */
  async resendSignIn(challenge: string): Promise<string> {
    const row = await this.db
      .selectFrom('sms_codes')
      .innerJoin('accounts', 'accounts.id', 'sms_codes.account_id')
      .select(['sms_codes.account_id', 'sms_codes.phone', 'accounts.language', 'sms_codes.created_at'])
      .where('sms_codes.challenge_hash', '=', hashToken(challenge))
      .where('sms_codes.purpose', '=', 'sign_in')
      .executeTakeFirst();
    if (!row || row.created_at + CODE_LIFETIME_MS <= this.now())
      throw new ApiError(401, 'challenge_invalid', 'Please sign in again');
    return this.issue(row.account_id, 'sign_in', row.phone, row.language);
  }

  async verifySignIn(challenge: string, code: string): Promise<string> {
    return (await this.check({ challenge }, code)).accountId;
  }
}
