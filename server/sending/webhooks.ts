/**
 * GatewayAPI's webhooks: delivery receipts and inbound SMS. Each request carries `X-Gwapi-Signature`, a JWT
 * (HS256) signed with the webhook's secret whose claims repeat the payload; the token is verified (jose) and
 * its claims must name the same message as the body, so a request without the secret changes nothing.
 * Inbound STOP/START (en, de, sv, da) sets or clears the SMS opt-out of the patients this number received
 * messages as, in every practice that sent them one; the change syncs to the devices.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { optOutCommand } from '../../protocol/messaging/optOut';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { parse } from '../http/serve';
import type { SyncService } from '../sync/syncService';
import type { Dispatcher } from './dispatcher';

const FINAL_FAILURES = new Set(['UNDELIVERABLE', 'REJECTED', 'EXPIRED', 'DELETED', 'SKIPPED']);

export const deliveryReceiptSchema = z
  .object({
    id: z.number().int(),
    msisdn: z.number().int(),
    status: z.string().min(1).max(40),
    time: z.number().int().optional(),
    error: z.string().max(500).nullish(),
    code: z.string().max(40).nullish(),
    userref: z.string().max(255).nullish(),
  })
  .passthrough();

export const inboundSmsSchema = z
  .object({
    id: z.number().int(),
    msisdn: z.number().int(),
    receiver: z.number().int().optional(),
    message: z.string().max(2000),
  })
  .passthrough();

async function verified(request: FastifyRequest, secret: Uint8Array): Promise<Record<string, unknown>> {
  const token = request.headers['x-gwapi-signature'];
  if (typeof token !== 'string' || token.length > 8192)
    throw new ApiError(401, 'signature_invalid', 'The webhook signature is missing');
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] });
    return payload as Record<string, unknown>;
  } catch {
    throw new ApiError(401, 'signature_invalid', 'The webhook signature is not valid');
  }
}

export function registerSmsWebhooks(
  app: FastifyInstance,
  deps: { secret: string | undefined; dispatcher: Dispatcher; sync: SyncService; db: Kysely<ServerDatabase> },
): void {
  const secret = deps.secret ? new TextEncoder().encode(deps.secret) : null;
  const check = async (request: FastifyRequest) => {
    if (!secret) throw new ApiError(404, 'not_found', 'Not found');
    return verified(request, secret);
  };
  const limit = { config: { rateLimit: { max: 6000, timeWindow: '1 minute' } } };

  app.post('/api/sms/gatewayapi/status', limit, async (request, reply) => {
    const claims = await check(request);
    const receipt = parse(deliveryReceiptSchema, request.body);
    // Every field the receipt is acted on by must be signed: a replayed token with another status, number or
    // reference changes nothing.
    if (
      claims.id !== receipt.id ||
      claims.msisdn !== receipt.msisdn ||
      claims.status !== receipt.status ||
      (claims.userref ?? null) !== (receipt.userref ?? null)
    )
      throw new ApiError(401, 'signature_invalid', 'The signature names another message');
    const status = receipt.status.toUpperCase();
    // The message by the provider's id, or by the reference it was sent with (the userref, with the number it
    // went to) where the id names another message or one the list gave no id (see `Dispatcher.receipt`).
    const sent = {
      providerId: String(receipt.id),
      reference: receipt.userref ? { messageId: receipt.userref, recipient: `+${receipt.msisdn}` } : null,
    };
    if (status === 'DELIVERED') await deps.dispatcher.receipt(sent, { delivered: true, reason: null });
    else if (FINAL_FAILURES.has(status))
      await deps.dispatcher.receipt(sent, {
        delivered: false,
        reason: [status, receipt.code, receipt.error].filter(Boolean).join(' '),
      });
    return reply.code(204).send();
  });

  app.post('/api/sms/gatewayapi/inbound', limit, async (request, reply) => {
    const claims = await check(request);
    const inbound = parse(inboundSmsSchema, request.body);
    if (claims.id !== inbound.id) throw new ApiError(401, 'signature_invalid', 'The signature names another message');
    const command = optOutCommand(inbound.message);
    if (!command) return reply.code(204).send(); // a reply for the practice, not a keyword
    const recipient = `+${inbound.msisdn}`;
    const patients = await deps.db
      .selectFrom('outgoing_messages')
      .select(['practice_id', 'patient_id'])
      .distinct()
      .where('recipient', '=', recipient)
      .where('channel', '=', 'sms')
      .where('patient_id', 'is not', null)
      .execute();
    const changed = new Map<string, number>();
    await deps.db.transaction().execute(async (trx) => {
      for (const p of patients) {
        const seq = await deps.sync.writeFields(trx, p.practice_id, 'patients', p.patient_id!, {
          opt_out_sms: command === 'stop' ? 1 : 0,
        });
        if (seq !== null) changed.set(p.practice_id, seq);
      }
    });
    for (const [practiceId, seq] of changed) deps.sync.notify(practiceId, seq);
    request.log.info({ command, practices: changed.size }, 'inbound SMS keyword');
    return reply.code(204).send();
  });
}
