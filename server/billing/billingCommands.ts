/**
 * The service desk's billing commands on the server's command line (the same services as the admin panel):
 *   voucher-create --code=<CODE> --kind=percent|amount|months --value=<n> [--currency=EUR]
 *                  [--valid-from=YYYY-MM-DD] [--valid-to=YYYY-MM-DD] [--max=<n>] [--plans=flex,yearly]
 *       percent in whole percent (20 = 20 %), amount in minor units (500 = 5.00), months a count
 *   voucher-list
 *   subscription-source --owner=acct:<uuid>|org:<uuid> --source=card|invoice|apple
 *       marks an imported subscription's billing source (an Apple-billed one cannot get add-ons)
 * Bad input is a clear message and writes nothing.
 */
import { z } from 'zod';
import { CURRENCIES } from '../../protocol/credits';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/database';
import type { ServerDatabase } from '../db/schema';
import { ApiError } from '../http/apiError';
import { CommandError, options, parsed } from '../sending/creditCommands';
import { VoucherService } from './vouchers';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date is YYYY-MM-DD' })
  .transform((v) => Date.parse(`${v}T00:00:00Z`))
  .refine((v) => Number.isFinite(v), { message: 'not a date' });

export async function runBillingCommand(
  command: string,
  args: readonly string[],
  db: Kysely<ServerDatabase>,
  print: (line: string) => void,
  now: () => number = Date.now,
): Promise<void> {
  const vouchers = new VoucherService(db, now);
  const o = options(args);
  try {
    if (command === 'voucher-create') {
      const usage =
        'voucher-create --code=<CODE> --kind=percent|amount|months --value=<n> [--currency=EUR] [--valid-from=YYYY-MM-DD] [--valid-to=YYYY-MM-DD] [--max=<n>] [--plans=a,b]';
      const input = parsed(
        z.object({
          code: z.string().min(1),
          kind: z.enum(['percent', 'amount', 'months']),
          value: z.coerce.number().int().min(1),
          currency: z.enum(CURRENCIES).optional(),
          'valid-from': day.optional(),
          'valid-to': day.optional(),
          max: z.coerce.number().int().min(1).optional(),
          plans: z.string().optional(),
        }),
        o,
        usage,
      );
      const created = await vouchers
        .create(
          {
            code: input.code.toUpperCase(),
            kind: input.kind,
            // Percent on the command line in whole percent; stored in basis points.
            value: input.kind === 'percent' ? input.value * 100 : input.value,
            currency: input.currency ?? null,
            validFrom: input['valid-from'] ?? null,
            validTo: input['valid-to'] ?? null,
            maxRedemptions: input.max ?? null,
            plans: input.plans ? input.plans.split(',').filter(Boolean) : [],
          },
          null,
        )
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) throw new CommandError(`a voucher ${input.code.toUpperCase()} exists already`);
          if (error instanceof z.ZodError)
            throw new CommandError(
              `${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\nusage: ${usage}`,
            );
          throw error;
        });
      print(`Created voucher ${created.code}.`);
      return;
    }
    if (command === 'voucher-list') {
      for (const v of await vouchers.list())
        print(
          `  ${v.code.padEnd(20)} ${v.kind.padEnd(8)} ${String(v.value).padStart(8)} ${v.currency ?? '   '}  ${v.redemptions}/${v.maxRedemptions ?? '∞'}  ${v.plans.join(',') || 'all plans'}`,
        );
      return;
    }
    if (command === 'subscription-source') {
      const input = parsed(
        z.object({
          owner: z.string().regex(/^(org|acct):[0-9a-f-]{36}$/, { message: 'an owner is org:<uuid> or acct:<uuid>' }),
          source: z.enum(['card', 'invoice', 'apple']),
        }),
        o,
        'subscription-source --owner=acct:<uuid>|org:<uuid> --source=card|invoice|apple',
      );
      const moved = await db
        .updateTable('subscriptions')
        .set({ billing_source: input.source, updated_at: now() })
        .where('owner', '=', input.owner)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw new CommandError(`no subscription of ${input.owner}`);
      print(`The subscription of ${input.owner} is billed by ${input.source} now.`);
      return;
    }
  } catch (error) {
    if (error instanceof ApiError) throw new CommandError(error.message);
    throw error;
  }
  throw new CommandError(`unknown command ${command}`);
}
