/**
 * Organisations and their admin panel: upgrading an individual account, the organisation's ID, the users
 * (licences, personal data, registration links), the dashboard statistics and the call logs.
 *
 * Every query is scoped: an organisation admin sees only their organisation; a service admin sees the
 * individual accounts (organisation_id null) unless they name an organisation.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Profile, AccountService } from '../accounts/accountService';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { movePractice } from '../sync/practiceMove';
import type { AdminUser } from '../../protocol/admin';

export type { AdminUser };

/** Unambiguous characters (no 0/O, 1/I/L) so an ID read over the phone is typed right. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const newOrganisationCode = (): string => {
  const pick = (): string => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]!;
  const part = (): string => Array.from({ length: 4 }, pick).join('');
  return `${part()}-${part()}`;
};

export interface Scope {
  organisationId: string | null;
}

export interface Statistics {
  from: number;
  to: number;
  registeredUsers: number;
  activeLicences: number;
  calls: number;
  totalMinutes: number;
  meetings: number;
  invitations: { registration: number; calls: number };
  /** Calls per staff member and UTC day (days since the epoch). */
  callsPerMember: { accountId: string; name: string; days: { day: number; calls: number }[] }[];
}

export interface CallLogEntry {
  id: string;
  kind: string;
  name: string;
  startedAt: number;
  endedAt: number | null;
  durationS: number;
  invitations: number;
  participants: { id: string; name: string }[];
}

export class OrganisationService {
  private readonly movedListeners: ((accountId: string, from: string, to: string) => void)[] = [];

  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly accounts: AccountService,
    private readonly now: () => number = Date.now,
  ) {}

  /** Told after an account's practice moved (an upgrade): its connected devices change rooms at once. */
  onPracticeMoved(listener: (accountId: string, from: string, to: string) => void): void {
    this.movedListeners.push(listener);
  }

  /** The admin's scope; members are refused. */
  scopeOf(me: Profile, organisationId?: string): Scope {
    if (me.role === 'org_admin') {
      if (organisationId && organisationId !== me.organisationId)
        throw new ApiError(404, 'not_found', 'No such organisation');
      return { organisationId: me.organisationId };
    }
    if (me.role === 'service_admin') return { organisationId: organisationId ?? null };
    throw new ApiError(403, 'forbidden', 'Only admins may do this');
  }

  /** An individual account becomes an organisation with itself as its first admin. */
  async upgrade(me: Profile, name: string): Promise<{ id: string; name: string; code: string }> {
    if (me.organisationId !== null || me.role !== 'member')
      throw new ApiError(409, 'already_organisation', 'This account already belongs to an organisation');
    const organisation = { id: randomUUID(), name, code: newOrganisationCode(), created_at: this.now() };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('organisations').values(organisation).execute();
      await trx
        .updateTable('accounts')
        .set({ organisation_id: organisation.id, role: 'org_admin', plan: 'organisation' })
        .where('id', '=', me.id)
        .execute();
      // The subscription (or trial), its payments and invoices go with the account into its organisation:
      // the practice pays on, and the trial does not start again.
      const from = `acct:${me.id}`;
      const to = `org:${organisation.id}`;
      await trx.updateTable('subscriptions').set({ owner: to }).where('owner', '=', from).execute();
      await trx.updateTable('payments').set({ owner: to }).where('owner', '=', from).execute();
      await trx.updateTable('invoices').set({ owner: to }).where('owner', '=', from).execute();
      await trx.updateTable('telehealth_addons').set({ owner: to }).where('owner', '=', from).execute();
      // The practice's data goes along too: the workstations sync on with the organisation.
      await movePractice(trx, from, to);
    });
    for (const listener of this.movedListeners) listener(me.id, `acct:${me.id}`, `org:${organisation.id}`);
    return { id: organisation.id, name, code: organisation.code };
  }

  /** A new organisation (by the service); its admins are then invited into it. */
  async create(name: string): Promise<{ id: string; name: string; code: string }> {
    const organisation = { id: randomUUID(), name, code: newOrganisationCode(), created_at: this.now() };
    await this.db.insertInto('organisations').values(organisation).execute();
    return { id: organisation.id, name, code: organisation.code };
  }

  async organisation(scope: Scope): Promise<{ id: string; name: string; code: string; createdAt: number }> {
    if (!scope.organisationId) throw new ApiError(404, 'not_found', 'No organisation');
    const row = await this.db
      .selectFrom('organisations')
      .selectAll()
      .where('id', '=', scope.organisationId)
      .executeTakeFirst();
    if (!row) throw new ApiError(404, 'not_found', 'No organisation');
    return { id: row.id, name: row.name, code: row.code, createdAt: row.created_at };
  }

  async rename(scope: Scope, name: string) {
    const current = await this.organisation(scope);
    await this.db.updateTable('organisations').set({ name }).where('id', '=', current.id).execute();
    return { ...current, name };
  }

  private inScope(scope: Scope) {
    let query = this.db.selectFrom('accounts');
    query =
      scope.organisationId === null
        ? query.where('organisation_id', 'is', null)
        : query.where('organisation_id', '=', scope.organisationId);
    return query;
  }

  async users(scope: Scope): Promise<AdminUser[]> {
    const rows = await this.inScope(scope).selectAll().orderBy('name').orderBy('email').execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      email: row.deleted_at !== null ? '' : row.email,
      username: row.username,
      role: row.role,
      state:
        row.deleted_at !== null
          ? 'deleted'
          : row.status === 'invited'
            ? 'invited'
            : row.registered_at === null
              ? 'registering'
              : 'active',
      licence: row.licence === 1,
      createdAt: row.created_at,
      registeredAt: row.registered_at,
    }));
  }

  /** A user of the scope, or 404 (an admin of another organisation learns nothing). */
  private async user(scope: Scope, id: string) {
    const row = await this.inScope(scope).selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.deleted_at !== null) throw new ApiError(404, 'not_found', 'No such user');
    return row;
  }

  async updateUser(
    me: Profile,
    scope: Scope,
    id: string,
    edit: { name?: string; email?: string; licence?: boolean; role?: 'member' | 'org_admin' },
  ): Promise<AdminUser> {
    const row = await this.user(scope, id);
    if (id === me.id && (edit.licence === false || edit.role === 'member'))
      throw new ApiError(409, 'cannot_change_self', 'You cannot switch off your own licence or admin role');
    if (edit.role !== undefined && (row.role === 'service_admin' || scope.organisationId === null))
      throw new ApiError(409, 'role_fixed', 'This role cannot be changed here');
    const email = edit.email?.trim().toLowerCase();
    if (email !== undefined && email !== row.email) {
      const taken = await this.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirst();
      if (taken)
        throw new ApiError(409, 'account_exists', 'This e-mail address already has an account', [
          { path: 'email', code: 'account_exists' },
        ]);
    }
    const changes = {
      ...(edit.name !== undefined ? { name: edit.name } : {}),
      ...(email !== undefined ? { email } : {}),
      ...(edit.licence !== undefined ? { licence: edit.licence ? 1 : 0 } : {}),
      ...(edit.role !== undefined ? { role: edit.role } : {}),
    };
    if (Object.keys(changes).length > 0)
      await this.db.updateTable('accounts').set(changes).where('id', '=', id).execute();
    // A licence switched off ends the user's sessions at once.
    if (edit.licence === false) await this.accounts.revokeSessions(id);
    return (await this.users(scope)).find((user) => user.id === id)!;
  }

  /** A new registration link for someone who has not used theirs yet. */
  async resendInvitation(scope: Scope, id: string): Promise<void> {
    const row = await this.user(scope, id);
    if (row.status !== 'invited') throw new ApiError(409, 'already_registered', 'This user has already registered');
    await this.accounts.sendInvitation({
      email: row.email,
      role: row.role,
      organisationId: row.organisation_id,
      language: row.language,
      name: row.name,
      licence: row.licence === 1,
      // The pending invitation stays the one it is (an admin's, the service's, or the user's own sign-up).
      inviter:
        row.invited_by === null
          ? { kind: 'self' }
          : row.invited_by === 'service'
            ? { kind: 'service' }
            : { kind: 'organisation', organisationId: row.invited_by },
    });
  }

  private callsInScope(scope: Scope, from: number, to: number) {
    let query = this.db
      .selectFrom('call_records')
      .where('call_records.started_at', '>=', from)
      .where('call_records.started_at', '<', to);
    query =
      scope.organisationId === null
        ? query.where('call_records.organisation_id', 'is', null)
        : query.where('call_records.organisation_id', '=', scope.organisationId);
    return query;
  }

  async statistics(scope: Scope, from: number, to: number): Promise<Statistics> {
    const users = await this.inScope(scope)
      .select((eb) => [eb.fn.countAll<number>().as('registered'), eb.fn.sum<number>('licence').as('licences')])
      .where('registered_at', 'is not', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    const calls = await this.callsInScope(scope, from, to)
      .select((eb) => [
        eb.fn.countAll<number>().as('calls'),
        eb.fn.coalesce(eb.fn.sum<number>('duration_s'), sql<number>`0`).as('seconds'),
        eb.fn.coalesce(eb.fn.sum<number>('invitations'), sql<number>`0`).as('invitations'),
        eb.fn.sum<number>(sql`case when kind = 'group' then 1 else 0 end`).as('meetings'),
      ])
      .executeTakeFirstOrThrow();
    let links = this.db
      .selectFrom('registration_links')
      .innerJoin('accounts', 'accounts.id', 'registration_links.account_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('registration_links.created_at', '>=', from)
      .where('registration_links.created_at', '<', to);
    links =
      scope.organisationId === null
        ? links.where('accounts.organisation_id', 'is', null)
        : links.where('accounts.organisation_id', '=', scope.organisationId);
    const registrationInvitations = (await links.executeTakeFirstOrThrow()).n;
    const perMember = await this.callsInScope(scope, from, to)
      .innerJoin('call_participants', 'call_participants.call_id', 'call_records.id')
      .innerJoin('accounts', 'accounts.id', 'call_participants.account_id')
      .select((eb) => [
        'accounts.id as accountId',
        'accounts.name as name',
        sql<number>`cast(call_records.started_at / 86400000 as integer)`.as('day'),
        eb.fn.countAll<number>().as('calls'),
      ])
      .groupBy(['accounts.id', 'accounts.name', 'day'])
      .orderBy('accounts.name')
      .orderBy('day')
      .execute();
    const members = new Map<string, Statistics['callsPerMember'][number]>();
    for (const row of perMember) {
      const member = members.get(row.accountId) ?? { accountId: row.accountId, name: row.name, days: [] };
      member.days.push({ day: Number(row.day), calls: Number(row.calls) });
      members.set(row.accountId, member);
    }
    return {
      from,
      to,
      registeredUsers: Number(users.registered),
      activeLicences: Number(users.licences ?? 0),
      calls: Number(calls.calls),
      totalMinutes: Math.round(Number(calls.seconds) / 60),
      meetings: Number(calls.meetings ?? 0),
      invitations: { registration: Number(registrationInvitations), calls: Number(calls.invitations) },
      callsPerMember: [...members.values()],
    };
  }

  async logs(scope: Scope, from: number, to: number, limit: number, offset: number): Promise<CallLogEntry[]> {
    const rows = await this.callsInScope(scope, from, to)
      .selectAll('call_records')
      .orderBy('call_records.started_at', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    if (rows.length === 0) return [];
    const participants = await this.db
      .selectFrom('call_participants')
      .leftJoin('accounts', 'accounts.id', 'call_participants.account_id')
      .select(['call_participants.call_id', 'call_participants.account_id', 'accounts.name'])
      .where(
        'call_participants.call_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      name: row.name,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      durationS: row.duration_s,
      invitations: row.invitations,
      participants: participants
        .filter((p) => p.call_id === row.id)
        .map((p) => ({ id: p.account_id, name: p.name ?? '' })),
    }));
  }
}
