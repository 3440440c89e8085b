/**
 * SMS carriers for the dispatcher: the embedded file carrier (each message one file in the data folder,
 * what a single-machine install and the tests use) and GatewayAPI, a Danish provider used by practices
 * across the EU (EU hosting, GDPR data-processing agreement, delivery receipts and inbound SMS by signed
 * webhook). Every send carries the message's id as its reference, so a send repeated after a crash is
 * recognised: the file carrier creates each file once; GatewayAPI receives it as `userref`.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { inTurns } from './inTurns';

export interface OutgoingSms {
  /** The message's id: the provider's reference, so a repeated send is the same message. */
  reference: string;
  /** E.164, with '+'. */
  to: string;
  text: string;
}

/** A send that did not work: `permanent` when retrying cannot help (an invalid number, a refused text). */
export class SendError extends Error {
  constructor(
    readonly permanent: boolean,
    message: string,
  ) {
    super(message);
  }
}

export interface SmsCarrier {
  readonly name: string;
  /** Hands the message to the provider; its id there (what delivery receipts name). */
  send(sms: OutgoingSms): Promise<{ providerId: string }>;
  /**
   * Hands several messages over in one request, where the provider's API allows it: for each message, in
   * order, its id there or why it was not taken. Absent: the dispatcher sends each on its own.
   */
  sendMany?(batch: readonly OutgoingSms[]): Promise<({ providerId: string } | SendError)[]>;
}

export const SMS_FOLDER = 'sms-sent';

/**
 * One JSON file per message, appearing whole and only once: written to a side folder first, then linked
 * under its final name (link fails if that name exists, and is atomic), so a reader of the folder never sees
 * a half-written file and a repeated send finds its file and sends nothing.
 */
export function fileCarrier(dataDir: string, now: () => number = Date.now): SmsCarrier {
  const folder = join(dataDir, SMS_FOLDER);
  const partial = join(dataDir, `${SMS_FOLDER}.partial`);
  let made = false;
  return {
    name: 'file',
    send: async (sms) => {
      if (!/^[0-9a-f-]{36}$/.test(sms.reference)) throw new SendError(true, 'reference_invalid');
      if (!made) {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        await mkdir(partial, { recursive: true, mode: 0o700 });
        made = true;
      }
      const file = join(folder, `${sms.reference}.json`);
      const draft = join(partial, `${sms.reference}.${randomUUID()}`);
      const record = JSON.stringify({ at: new Date(now()).toISOString(), to: sms.to, text: sms.text });
      try {
        await writeFile(draft, record, { flag: 'wx', mode: 0o600 });
        await link(draft, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new SendError(false, (error as Error).message);
        await readFile(file, 'utf8'); // already handed over by an earlier attempt: the same message
      } finally {
        await unlink(draft).catch(() => undefined);
      }
      return { providerId: sms.reference };
    },
  };
}

/** Messages of a refused list sent again at once, each on its own. */
const RESEND_AT_ONCE = 5;

const gatewayApiAnswer = z.object({ ids: z.array(z.number().int()).min(1) });
const gatewayApiError = z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough();

/**
 * GatewayAPI's REST API (https://gatewayapi.com/docs/apis/rest/): POST /rest/mtsms with the account's
 * token (`Authorization: Token …`), JSON body { sender, message, recipients: [{ msisdn }], userref,
 * callback_url }, answered by { ids: [number] }. "The root element can be either an object with a single
 * SMS or a list of SMS message objects": a burst goes over in lists, one request for many messages (each
 * still with its own userref, which the delivery receipts repeat). 4xx other than 408/429 are permanent;
 * 5xx, 408, 429 and network errors are transient and retried by the dispatcher.
 */
export function gatewayApiCarrier(options: {
  baseUrl: string;
  token: string;
  sender: string;
  callbackUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): SmsCarrier {
  const doFetch = options.fetch ?? fetch;
  const messageOf = (sms: OutgoingSms) => {
    const msisdn = Number(sms.to.replace(/^\+/, ''));
    if (!/^\+?[0-9]{6,15}$/.test(sms.to) || !Number.isSafeInteger(msisdn))
      throw new SendError(true, 'recipient_invalid');
    return {
      sender: options.sender,
      message: sms.text,
      recipients: [{ msisdn }],
      userref: sms.reference,
      ...(options.callbackUrl ? { callback_url: options.callbackUrl } : {}),
    };
  };
  /**
   * One request; the provider's ids, as many as it answered. `takenWithoutIds`: what a 2xx whose body
   * names no ids means — for one message not taken (retried), for a list taken (the provider accepted it;
   * sending fifty again would be fifty duplicates).
   */
  const post = async (body: unknown, takenWithoutIds = false): Promise<number[]> => {
    let response: Response;
    try {
      response = await doFetch(new URL('/rest/mtsms', options.baseUrl), {
        method: 'POST',
        headers: { authorization: `Token ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new SendError(false, `gatewayapi unreachable: ${(error as Error).message}`);
    }
    const answer: unknown = await response.json().catch(() => null);
    if (response.ok) {
      const parsed = gatewayApiAnswer.safeParse(answer);
      if (parsed.success) return parsed.data.ids;
      if (takenWithoutIds) return [];
      throw new SendError(false, 'gatewayapi answered without an id');
    }
    const detail = gatewayApiError.safeParse(answer);
    const reason = `gatewayapi ${response.status}${detail.success && detail.data.message ? `: ${detail.data.message}` : ''}`;
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new SendError(!transient, reason);
  };
  const send = async (sms: OutgoingSms) => ({ providerId: String((await post(messageOf(sms)))[0]) });
  return {
    name: 'gatewayapi',
    send,
    sendMany: async (batch) => {
      const outcomes: ({ providerId: string } | SendError)[] = new Array(batch.length);
      const listed: { i: number; message: ReturnType<typeof messageOf> }[] = [];
      batch.forEach((sms, i) => {
        try {
          listed.push({ i, message: messageOf(sms) });
        } catch (error) {
          outcomes[i] = error as SendError;
        }
      });
      if (listed.length === 1) {
        const { i } = listed[0]!;
        outcomes[i] = await send(batch[i]!).catch((error: unknown) => error as SendError);
      } else if (listed.length > 1) {
        try {
          const ids = await post(
            listed.map((l) => l.message),
            true,
          );
          // One id per message, in the list's order. Should the count not match (or the answer name none),
          // each message still counts as taken (a 2xx took the list) under a reference the receipts can find
          // it by: its userref.
          listed.forEach(({ i }, k) => {
            outcomes[i] = { providerId: ids.length === listed.length ? String(ids[k]) : `ref:${batch[i]!.reference}` };
          });
        } catch (error) {
          const failure = error as SendError;
          if (!failure.permanent) for (const { i } of listed) outcomes[i] = failure;
          // A refused list is refused whole, for what may be one message's fault (a number the provider does
          // not accept): each goes again on its own, so that only that one fails — a few at once, so that
          // fifty requests in a row cannot outlast the messages' leases.
          else
            await inTurns(listed, RESEND_AT_ONCE, async ({ i }) => {
              outcomes[i] = await send(batch[i]!).catch((e: unknown) => e as SendError);
            });
        }
      }
      return outcomes;
    },
  };
}
