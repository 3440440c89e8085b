/**
 * The GatewayAPI adapter against a local HTTP stand-in of the provider's documented REST API
 * (POST /rest/mtsms, `Authorization: Token …`, JSON { sender, message, recipients: [{ msisdn }], userref,
 * callback_url } answered by { ids: [n] }; errors as JSON { code, message }). Shown: what goes over the
 * wire, and which answers are permanent (no retry) or transient (retried by the dispatcher).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApiCarrier, SendError } from '../../server/sending/carriers';
import { startGatewayApiStandIn, type GatewayAnswer, type GatewayRequest } from '../harness/gatewayApiStandIn';

const seen: GatewayRequest[] = [];
type Answer = GatewayAnswer;
/** The stand-in's answer, fixed or worked out from the request's body. */
let answer: Answer | ((body: unknown) => Answer) = { status: 200, body: { ids: [4711] } };
let standIn: Awaited<ReturnType<typeof startGatewayApiStandIn>>;
let base = '';

beforeAll(async () => {
  standIn = await startGatewayApiStandIn((request) => {
    seen.push(request);
    return typeof answer === 'function' ? answer(request.body) : answer;
  });
  base = standIn.url;
});
afterAll(() => standIn.close());

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

  describe('a list of messages in one request (the documented list root)', () => {
    const batch = [0, 1, 2].map((i) => ({
      reference: `01900000-0000-7000-8000-00000000010${i}`,
      to: `+49171123456${i}`,
      text: `Erinnerung ${i}`,
    }));
    /** Like the provider: one id per message, in order; a list naming a refused number is refused whole. */
    const provider =
      (refused: number | null) =>
      (body: unknown): Answer => {
        const messages = (Array.isArray(body) ? body : [body]) as { recipients: { msisdn: number }[] }[];
        if (messages.some((m) => m.recipients[0]!.msisdn === refused))
          return { status: 422, body: { code: '0x0202', message: 'Invalid recipient' } };
        return { status: 200, body: { ids: messages.map((m) => 9000 + (m.recipients[0]!.msisdn % 10)) } };
      };

    it('posts them as one JSON list, each with its own userref, and gives each message its id', async () => {
      answer = provider(null);
      const before = seen.length;
      expect(await carrier().sendMany!(batch)).toEqual([
        { providerId: '9000' },
        { providerId: '9001' },
        { providerId: '9002' },
      ]);
      expect(seen.length - before).toBe(1);
      expect(seen.at(-1)!.body).toEqual(
        batch.map((sms) => ({
          sender: 'Praxis',
          message: sms.text,
          recipients: [{ msisdn: Number(sms.to.slice(1)) }],
          userref: sms.reference,
          callback_url: 'https://clinic.example/api/sms/gatewayapi/status',
        })),
      );
    });

    it('sends a refused list again message by message, so that only the refused one fails', async () => {
      answer = provider(491711234561);
      const before = seen.length;
      const outcomes = await carrier().sendMany!(batch);
      expect(outcomes[0]).toEqual({ providerId: '9000' });
      expect(outcomes[1]).toBeInstanceOf(SendError);
      expect(outcomes[1]).toMatchObject({ permanent: true, message: 'gatewayapi 422: Invalid recipient' });
      expect(outcomes[2]).toEqual({ providerId: '9002' });
      // The list, then each of its three messages.
      expect(seen.length - before).toBe(4);
    });

    it('fails a number that is not one without asking the provider, and the rest go as a list', async () => {
      answer = provider(null);
      const before = seen.length;
      const outcomes = await carrier().sendMany!([batch[0]!, { ...batch[1]!, to: '+49 171 x' }, batch[2]!]);
      expect(outcomes[1]).toMatchObject({ permanent: true, message: 'recipient_invalid' });
      expect(outcomes.filter((o) => !(o instanceof SendError))).toHaveLength(2);
      expect(seen.length - before).toBe(1);
      expect(seen.at(-1)!.body).toHaveLength(2);
    });

    it('makes a transient answer to the list transient for each message, without sending them one by one', async () => {
      answer = { status: 503, body: { message: 'try later' } };
      const before = seen.length;
      const outcomes = await carrier().sendMany!(batch);
      expect(outcomes.every((o) => o instanceof SendError && !o.permanent)).toBe(true);
      expect(seen.length - before).toBe(1);
    });

    it('counts a list the provider took with too few ids, or none, as taken, each under its own reference', async () => {
      for (const body of [{ ids: [77] }, {}, 'accepted']) {
        answer = { status: 200, body };
        expect(await carrier().sendMany!(batch)).toEqual(batch.map((sms) => ({ providerId: `ref:${sms.reference}` })));
      }
    });

    it('sends a refused list again a few messages at a time, not all at once nor one after another', async () => {
      let open = 0;
      let most = 0;
      const counting = gatewayApiCarrier({
        baseUrl: base,
        token: 'test-token-0123456789',
        sender: 'Praxis',
        fetch: async (input, init) => {
          open += 1;
          most = Math.max(most, open);
          try {
            return await fetch(input, init);
          } finally {
            open -= 1;
          }
        },
      });
      answer = provider(491711234561);
      const many = Array.from({ length: 12 }, (_, i) => ({
        ...batch[i % 3]!,
        reference: `${batch[0]!.reference}-${i}`,
      }));
      const outcomes = await counting.sendMany!(many);
      expect(outcomes.filter((o) => o instanceof SendError)).toHaveLength(4);
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(5);
    });
  });
});
