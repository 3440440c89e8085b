/** Contacts: colleagues, added external users, and the search among those who opted in. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ContactService } from '../contacts/contactService';
import { limit, parse } from './accountRoutes';
import type { Guard } from './auth';

const id = z.uuid({ message: 'id_invalid' });

export function registerContactRoutes(app: FastifyInstance, contacts: ContactService, signedIn: Guard): void {
  app.get('/api/contacts', async (request) => contacts.list(await signedIn(request)));

  app.get('/api/contacts/search', limit(60, '1 minute'), async (request) => {
    const me = await signedIn(request);
    const query = parse(z.object({ q: z.string().trim().min(2, { message: 'query_short' }).max(100) }), request.query);
    return contacts.search(me, query.q);
  });

  app.post('/api/contacts', async (request, reply) => {
    const me = await signedIn(request);
    const body = parse(z.object({ id }).strict(), request.body);
    return reply.code(201).send(await contacts.add(me, body.id));
  });

  app.delete<{ Params: { id: string } }>('/api/contacts/:id', async (request) =>
    contacts.remove(await signedIn(request), parse(id, request.params.id)),
  );
}
