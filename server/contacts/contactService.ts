/**
 * Contacts: colleagues of one organisation see each other without asking; anyone may find external users who
 * opted into contact search and add them. Users who did not opt in cannot be found or added by outsiders.
 */
import { sql, type Kysely } from 'kysely';
import type { Profile } from '../accounts/accountService';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';

export interface Contact {
  id: string;
  name: string;
  username: string;
  organisationName: string | null;
  /** 'organisation': a colleague, always listed; 'added': chosen from the search. */
  source: 'organisation' | 'added';
}

export class ContactService {
  constructor(
    private readonly db: Kysely<ServerDatabase>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Users others may see: registered, licensed, not deleted. The organisation's name by a subquery, not a
   * join: on SQLite a statement joining two tables is prepared again each time new values are bound to it
   * (see `CallState.activeParticipants`), and every call invitation asks (`npm run bench -- statements`:
   * the contact list 0.77× its joined form).
   */
  private reachable() {
    return this.db
      .selectFrom('accounts')
      .select((eb) => [
        'accounts.id',
        'accounts.name',
        'accounts.username',
        'accounts.organisation_id',
        eb
          .selectFrom('organisations')
          .select('organisations.name')
          .whereRef('organisations.id', '=', 'accounts.organisation_id')
          .as('organisation_name'),
      ])
      .where('accounts.status', '=', 'active')
      .where('accounts.registered_at', 'is not', null)
      .where('accounts.licence', '=', 1)
      .where('accounts.deleted_at', 'is', null);
  }

  private static toContact(
    row: { id: string; name: string; username: string | null; organisation_name: string | null },
    source: Contact['source'],
  ): Contact {
    return {
      id: row.id,
      name: row.name,
      username: row.username ?? '',
      organisationName: row.organisation_name,
      source,
    };
  }

  async list(me: Profile): Promise<Contact[]> {
    const colleagues = me.organisationId
      ? await this.reachable()
          .where('accounts.organisation_id', '=', me.organisationId)
          .where('accounts.id', '!=', me.id)
          .execute()
      : [];
    const added = await this.reachable()
      .innerJoin('contacts', 'contacts.contact_id', 'accounts.id')
      .where('contacts.owner_id', '=', me.id)
      .execute();
    const seen = new Set(colleagues.map((c) => c.id));
    return [
      ...colleagues.map((row) => ContactService.toContact(row, 'organisation')),
      ...added.filter((row) => !seen.has(row.id)).map((row) => ContactService.toContact(row, 'added')),
    ].sort((a, b) => (a.name || a.username).localeCompare(b.name || b.username));
  }

  /** External users who opted in, by name or username (an e-mail address matches only exactly). */
  async search(me: Profile, query: string): Promise<Contact[]> {
    const text = query.trim().toLowerCase();
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    let q = this.reachable()
      .where('accounts.searchable', '=', 1)
      .where('accounts.id', '!=', me.id)
      .where((eb) =>
        eb.or([
          sql<boolean>`lower(accounts.name) like ${like} escape '\\'`,
          sql<boolean>`lower(accounts.username) like ${like} escape '\\'`,
          eb('accounts.email', '=', text),
        ]),
      );
    if (me.organisationId) q = q.where('accounts.organisation_id', 'is distinct from', me.organisationId);
    const rows = await q.orderBy('accounts.name').limit(25).execute();
    return rows.map((row) => ContactService.toContact(row, 'added'));
  }

  /** Adds a user the search can find (or a colleague); anyone else is "not found". */
  async add(me: Profile, id: string): Promise<Contact[]> {
    const row = await this.reachable().select('accounts.searchable').where('accounts.id', '=', id).executeTakeFirst();
    const colleague = row !== undefined && me.organisationId !== null && row.organisation_id === me.organisationId;
    if (!row || id === me.id || (row.searchable !== 1 && !colleague))
      throw new ApiError(404, 'not_found', 'No such user');
    await this.db
      .insertInto('contacts')
      .values({ owner_id: me.id, contact_id: id, created_at: this.now() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return this.list(me);
  }

  async remove(me: Profile, id: string): Promise<Contact[]> {
    await this.db.deleteFrom('contacts').where('owner_id', '=', me.id).where('contact_id', '=', id).execute();
    return this.list(me);
  }
}
