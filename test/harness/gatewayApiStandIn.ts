/**
 * A stand-in of GatewayAPI's REST API on loopback (`POST /rest/mtsms` with one message or a list of them as
 * JSON): each request is answered with what `answer` works out from it. The adapter's tests, the
 * dispatcher's tests and the sending benchmark each give it their provider's behaviour.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

export interface GatewayAnswer {
  status: number;
  body: unknown;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });

export async function startGatewayApiStandIn(
  answer: (request: GatewayRequest) => GatewayAnswer,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    void read(req).then((raw) => {
      const { status, body } = answer({
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        body: JSON.parse(raw) as unknown,
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
