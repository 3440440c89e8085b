/** Serves the built renderer on loopback exactly as the app:// protocol does: same files, same CSP. */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCsp } from '../../src-main/core/security/policy';
import { contentTypeOf, resolveAsset } from '../../src-main/core/static/staticAssets';

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function serveRenderer(rendererDir: string, serverUrl: () => string): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    const file = resolveAsset(rendererDir, new URL(request.url ?? '/', 'http://x').pathname);
    const csp = buildCsp(serverUrl()); // now, while the core is certainly open
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
        });
        response.end(body);
      },
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
