import type { FastifyInstance } from 'fastify';
import type { Server as SocketServer } from 'socket.io';

/** The guest page's CSP: our own scripts only, media and WebRTC signalling to this server only. */
export const GUEST_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every answer carries, HTTP routes and socket.io's own polling answers alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    // API answers carry tokens, personal data and codes: never kept by a browser or proxy cache.
    if (request.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) reply.header('Content-Security-Policy', GUEST_CSP);
    return payload;
  });
}

/** socket.io answers HTTP long-polling itself, past Fastify's hooks: the same headers, and no caching. */
export function registerSocketHeaders(io: SocketServer): void {
  const add = (headers: Record<string, string>) => {
    Object.assign(headers, SECURITY_HEADERS);
    // engine.io may set its own (lower-case) cache-control already: one header, not two.
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'cache-control'))
      headers['Cache-Control'] = 'no-store';
  };
  io.engine.on('initial_headers', add);
  io.engine.on('headers', add);
}
