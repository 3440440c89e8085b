/**
 * Credits: each tenant's balance and ledger for the practice's own accounts; orders of packs by whoever may
 * spend the practice's money (an individual account, an organisation's admin); transfers and adjustments
 * by the service desk only. The practice always comes from the caller's account, never from the request,
 * except on the service desk's routes.
 */
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { creditRoutes as routes, type CreditPack, type Currency } from '../../protocol/credits';
import type { Profile } from '../accounts/accountService';
import type { Dispatcher } from '../sending/dispatcher';
import type { CreditLedger } from '../sending/ledger';
import { practiceOf, type SyncService } from '../sync/syncService';
import type { ServerDatabase } from '../db/schema';
import type { Kysely } from 'kysely';
import { limit } from './accountRoutes';
import { ApiError } from './apiError';
import type { Guard } from './auth';
import { serve } from './serve';
import { isUniqueViolation } from '../db/database';
import { currencyForCountry } from '../billing/plans';

export type CreditPacks = Record<Currency, Omit<CreditPack, 'currency'>[]>;

function serviceDesk(profile: Profile): void {
  if (profile.role !== 'service_admin') throw new ApiError(403, 'forbidden', 'Only the service desk may do this');
}

export function registerCreditRoutes(
  app: FastifyInstance,
  deps: {
    db: Kysely<ServerDatabase>;
    ledger: CreditLedger;
    dispatcher: Dispatcher;
    sync: SyncService;
    packs: CreditPacks;
    now: () => number;
  },
  signedIn: Guard,
): void {
  const { ledger, dispatcher, db } = deps;

  const currencyOf = async (practiceId: string): Promise<Currency> => {
    const country = (await deps.sync.practiceRow(practiceId))?.country?.v;
    return currencyForCountry(typeof country === 'string' ? country : null);
  };

  const packsFor = (currency: Currency): CreditPack[] => deps.packs[currency].map((p) => ({ ...p, currency }));

  serve(
    app,
    routes.balances,
    async ({ request }) => {
      const practiceId = practiceOf(await signedIn(request));
      return {
        tenants: await ledger.balances(practiceId),
        packs: packsFor(await currencyOf(practiceId)),
        held: await dispatcher.heldCount(practiceId),
      };
    },
    limit(300, '1 minute'),
  );

  serve(
    app,
    routes.ledger,
    async ({ request, params, query }) => {
      const practiceId = practiceOf(await signedIn(request));
      await ledger.requireTenant(practiceId, params.tenantId);
      return { entries: await ledger.entries(practiceId, params.tenantId, query?.limit ?? 100) };
    },
    limit(120, '1 minute'),
  );

  serve(
    app,
    routes.order,
    async ({ request, body, reply }) => {
      const profile = await signedIn(request);
      if (profile.organisationId && profile.role !== 'org_admin')
        throw new ApiError(403, 'forbidden', "Credits are ordered by your organisation's admin");
      const practiceId = practiceOf(profile);
      const currency = await currencyOf(practiceId);
      const pack = deps.packs[currency].find((p) => p.id === body.pack);
      if (!pack)
        throw new ApiError(400, 'bad_request', 'This pack is not on sale', [{ path: 'pack', code: 'pack_invalid' }]);
      const key = `${profile.id}:${body.idempotencyKey}`;
      const existing = await db
        .selectFrom('credit_orders')
        .selectAll()
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      if (existing) {
        // A double click or a retried request: the same order, nothing booked twice.
        reply.code(201);
        return {
          orderId: existing.id,
          balance: await ledger.balance(existing.practice_id, existing.tenant_id),
          status: existing.status === 'paid' ? ('paid' as const) : ('recorded' as const),
        };
      }
      const orderId = randomUUID();
      try {
        await db.transaction().execute(async (trx) => {
          await ledger.requireTenant(practiceId, body.tenantId, trx);
          await trx
            .insertInto('credit_orders')
            .values({
              id: orderId,
              practice_id: practiceId,
              tenant_id: body.tenantId,
              pack: pack.id,
              credits: pack.credits,
              price_minor: pack.priceMinor,
              currency,
              status: 'recorded',
              account_id: profile.id,
              idempotency_key: key,
              created_at: deps.now(),
            })
            .execute();
          await ledger.append(trx, {
            practiceId,
            tenantId: body.tenantId,
            kind: 'purchase',
            amount: pack.credits,
            key: `order:${orderId}`,
            reference: orderId,
            note: `${pack.id}: ${pack.credits} credits, ${pack.priceMinor} ${currency} minor units`,
            createdBy: profile.id,
          });
          await dispatcher.releaseHeld(trx, practiceId, body.tenantId);
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const raced = await db
          .selectFrom('credit_orders')
          .selectAll()
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow();
        return {
          orderId: raced.id,
          balance: await ledger.balance(raced.practice_id, raced.tenant_id),
          status: 'recorded' as const,
        };
      }
      await ledger.flush();
      dispatcher.kick();
      return { orderId, balance: await ledger.balance(practiceId, body.tenantId), status: 'recorded' as const };
    },
    limit(30, '1 minute'),
  );

  serve(
    app,
    routes.adminBalances,
    async ({ request, query }) => {
      serviceDesk(await signedIn(request));
      return {
        tenants: await ledger.balances(query.practice),
      };
    },
    limit(300, '1 minute'),
  );

  serve(
    app,
    routes.transfer,
    async ({ request, body }) => {
      const profile = await signedIn(request);
      serviceDesk(profile);
      const result = await ledger.transfer({
        from: { practiceId: body.from.practice, tenantId: body.from.tenantId },
        to: { practiceId: body.to.practice, tenantId: body.to.tenantId },
        amount: body.amount,
        note: body.note,
        key: body.idempotencyKey,
        createdBy: profile.id,
      });
      await db.transaction().execute((trx) => dispatcher.releaseHeld(trx, body.to.practice, body.to.tenantId));
      dispatcher.kick();
      return result;
    },
    limit(60, '1 minute'),
  );

  serve(
    app,
    routes.adjust,
    async ({ request, body }) => {
      const profile = await signedIn(request);
      serviceDesk(profile);
      await db.transaction().execute(async (trx) => {
        await ledger.requireTenant(body.practice, body.tenantId, trx);
        const done = await ledger.append(trx, {
          practiceId: body.practice,
          tenantId: body.tenantId,
          kind: 'adjustment',
          amount: body.amount,
          key: `adjust:${body.idempotencyKey}`,
          note: body.note,
          createdBy: profile.id,
        });
        if (!done)
          throw new ApiError(409, 'credits_insufficient', 'The balance cannot go below zero', [
            { path: 'amount', code: 'credits_insufficient' },
          ]);
        if (body.amount > 0) await dispatcher.releaseHeld(trx, body.practice, body.tenantId);
      });
      await ledger.flush();
      dispatcher.kick();
      return { balance: await ledger.balance(body.practice, body.tenantId) };
    },
    limit(60, '1 minute'),
  );
}
