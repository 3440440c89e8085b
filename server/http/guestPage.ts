/**
 * Serves the browser pages built from the renderer: the patients' guest page at /join, the registration
 * page at /register/<token>, and their assets.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function registerGuestPage(app: FastifyInstance, webDir: string): Promise<void> {
  const htmlFile = join(webDir, 'guest.html');
  const html = existsSync(htmlFile) ? readFileSync(htmlFile) : null;
  if (!html) app.log.warn({ webDir }, 'guest page not built: run npm run build');

  const assets = join(webDir, 'assets');
  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      index: false,
      immutable: true,
      maxAge: '1y',
    });
  }

  const send = async (_req: unknown, reply: FastifyReply) => {
    if (!html) return reply.code(503).type('text/plain; charset=utf-8').send('The guest page has not been built.');
    return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
  };
  app.get('/join', send);
  const favicon = join(webDir, 'favicon.png');
  if (existsSync(favicon)) {
    const icon = readFileSync(favicon);
    app.get('/favicon.png', (_req, reply) =>
      reply.header('Cache-Control', 'max-age=86400').type('image/png').send(icon),
    );
  }
  // The registration link of the mails and of create-admin: a page that opens the app through
  // clinicdesk://, or registers in the browser where the app is not installed.
  const registerFile = join(webDir, 'register.html');
  const registerHtml = existsSync(registerFile) ? readFileSync(registerFile) : null;
  app.get<{ Params: { token: string } }>(
    '/register/:token',
    {
      schema: {
        params: { type: 'object', properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,128}$' } } },
      },
    },
    async (_req, reply) => {
      if (!registerHtml)
        return reply.code(503).type('text/plain; charset=utf-8').send('The registration page has not been built.');
      return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(registerHtml);
    },
  );
  // The invitation token travels in the path; its format is checked before anything looks it up.
  app.get<{ Params: { token: string } }>(
    '/join/:token',
    {
      schema: {
        params: { type: 'object', properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,128}$' } } },
      },
    },
    send,
  );
}
