/**
 * The GatewayAPI adapter against a local HTTP stand-in of the provider's documented REST API
 * (POST /rest/mtsms, `Authorization: Token …`, JSON { sender, message, recipients: [{ msisdn }], userref,
 * callback_url } answered by { ids: [n] }; errors as JSON { code, message }). Shown: what goes over the
 * wire, and which answers are permanent (no retry) or transient (retried by the dispatcher).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApiCarrier, SendError } from '../../server/sending/carriers';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

const seen: Seen[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: { ids: [4711] } };
let server: Server;
let base = '';

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((raw) => {
      seen.push({
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        body: JSON.parse(raw) as Record<string, unknown>,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const carrier = () =>
  gatewayApiCarrier({
    baseUrl: base,
    token: 'test-token-0123456789',
    sender: 'Praxis',
    callbackUrl: 'https://clinic.example/api/sms/gatewayapi/status',
  });
const sms = {
  reference: '01900000-0000-7000-8000-000000000001',
  to: '+4917112345678',
  text: 'Ihr Termin morgen um 09:30',
};

describe('the GatewayAPI adapter', () => {
  it('posts the documented request with the message id as userref and returns the provider’s id', async () => {
    answer = { status: 200, body: { ids: [4711], usage: { total_cost: 0.05, currency: 'EUR' } } };
    expect(await carrier().send(sms)).toEqual({ providerId: '4711' });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/rest/mtsms',
      authorization: 'Token test-token-0123456789',
      body: {
        sender: 'Praxis',
        message: 'Ihr Termin morgen um 09:30',
        recipients: [{ msisdn: 4917112345678 }],
        userref: sms.reference,
        callback_url: 'https://clinic.example/api/sms/gatewayapi/status',
      },
    });
  });

  it('treats a refused request as permanent, with the provider’s reason', async () => {
    answer = { status: 422, body: { code: '0x0202', message: 'Invalid recipient' } };
    const error = await carrier()
      .send(sms)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({ permanent: true, message: 'gatewayapi 422: Invalid recipient' });
  });

  it('treats server errors, throttling and an unreachable provider as transient', async () => {
    for (const status of [500, 503, 429, 408]) {
      answer = { status, body: { message: 'try later' } };
      await expect(carrier().send(sms)).rejects.toMatchObject({ permanent: false });
    }
    const unreachable = gatewayApiCarrier({
      baseUrl: 'http://127.0.0.1:1',
      token: 'test-token-0123456789',
      sender: 'Praxis',
    });
    await expect(unreachable.send(sms)).rejects.toMatchObject({ permanent: false });
    // An answer without an id is not a success.
    answer = { status: 200, body: {} };
    await expect(carrier().send(sms)).rejects.toMatchObject({ permanent: false });
  });
});
