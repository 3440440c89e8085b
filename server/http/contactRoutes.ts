/** Contacts: colleagues, added external users, and the search among those who opted in. */
import type { FastifyInstance } from 'fastify';
import { contactRoutes as routes } from '../../protocol/admin';
import type { ContactService } from '../contacts/contactService';
import type { ContactSms } from '../contacts/contactSms';
import { limit } from './accountRoutes';
import type { Guard } from './auth';
import { serve } from './serve';

export function registerContactRoutes(app: FastifyInstance, contacts: ContactService, signedIn: Guard): void {
  serve(app, routes.list, async ({ request }) => contacts.list(await signedIn(request)));
  serve(
    app,
    routes.search,
    async ({ request, query }) => contacts.search(await signedIn(request), query.q),
    limit(60, '1 minute'),
  );
  serve(app, routes.add, async ({ request, body }) => contacts.add(await signedIn(request), body.id));
  serve(app, routes.remove, async ({ request, params }) => contacts.remove(await signedIn(request), params.id));
}

/** The SMS to a contact (registered once credits and the carrier exist). */
export function registerContactSmsRoute(app: FastifyInstance, sms: ContactSms, signedIn: Guard): void {
  serve(
    app,
    routes.sms,
    async ({ request, params, body }) => sms.send(await signedIn(request), { contactId: params.id, ...body }),
    // Per sender's address: a contact is not to be flooded.
    limit(20, '1 minute'),
  );
}
