/**
 * The service desk's credit commands on the server's command line (the same ledger as the admin routes):
 *   credits-import   --practice=<id> --amount=<n> [--key=<once>]   a practice's previous balance, split evenly
 *                                                                   over its tenants, remainder to the first
 *   credits-transfer --from=<practice>/<tenant> --to=<practice>/<tenant> --amount=<n> [--note=…] [--key=…]
 *   credits-balance  --practice=<id>
 * Bad input (an unknown tenant, a negative or fractional amount, a transfer larger than the balance) is a
 * clear message and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { creditAmountSchema } from '../../protocol/credits';
import type { ServerDb } from '../db/database';
import { ApiError } from '../http/apiError';
import { SyncService } from '../sync/syncService';
import { CreditLedger } from './ledger';

export class CommandError extends Error {}

const practice = z
  .string()
  .regex(/^(org|acct):[0-9a-f-]{36}$/, { message: 'a practice id is org:<uuid> or acct:<uuid>' });
const tenantRef = z
  .string()
  .regex(/^(org|acct):[0-9a-f-]{36}\/[0-9a-f-]{36}$/, { message: 'expected <practice id>/<tenant id>' })
  .transform((v) => {
    const [practiceId, tenantId] = v.split('/') as [string, string];
    return { practiceId, tenantId };
  });
const amount = z.coerce.number().pipe(creditAmountSchema);
const key = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .optional();

export const options = (args: readonly string[]): Record<string, string> =>
  Object.fromEntries(
    args
      .filter((a) => a.startsWith('--') && a.includes('='))
      .map((a) => {
        const [k = '', ...rest] = a.slice(2).split('=');
        return [k, rest.join('=')];
      }),
  );

export function parsed<T extends z.ZodType>(schema: T, value: unknown, usage: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new CommandError(
      `${result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}\nusage: ${usage}`,
    );
  return result.data;
}

export async function runCreditCommand(
  command: string,
  args: readonly string[],
  database: ServerDb,
  print: (line: string) => void,
): Promise<void> {
  const ledger = new CreditLedger(database.db, new SyncService(database.db, Date.now), Date.now);
  const o = options(args);
  try {
    if (command === 'credits-import') {
      const usage = 'credits-import --practice=<id> --amount=<n> [--key=<once>]';
      const input = parsed(z.object({ practice, amount, key }), o, usage);
      const split = await ledger.importBalance(input.practice, input.amount, input.key ?? randomUUID());
      print(`Imported ${input.amount} credits into ${input.practice}, split over ${split.length} tenant(s):`);
      for (const part of split) print(`  ${part.name.padEnd(30)} ${part.tenantId}  ${part.amount}`);
      const remainder = input.amount - Math.floor(input.amount / split.length) * split.length;
      if (remainder > 0) print(`The remainder of ${remainder} went to the first tenant, ${split[0]!.name}.`);
      return;
    }
    if (command === 'credits-transfer') {
      const usage = 'credits-transfer --from=<practice>/<tenant> --to=<practice>/<tenant> --amount=<n> [--note=…]';
      const input = parsed(
        z.object({ from: tenantRef, to: tenantRef, amount, note: z.string().max(500).default(''), key }),
        o,
        usage,
      );
      const result = await ledger.transfer({ ...input, key: input.key ?? randomUUID(), createdBy: 'cli' });
      print(`Moved ${input.amount} credits. Balances now: from ${result.from}, to ${result.to}.`);
      return;
    }
    if (command === 'credits-balance') {
      const input = parsed(z.object({ practice }), o, 'credits-balance --practice=<id>');
      for (const t of await ledger.balances(input.practice))
        print(`  ${t.name.padEnd(30)} ${t.tenantId}  ${t.balance}`);
      return;
    }
  } catch (error) {
    if (error instanceof ApiError) throw new CommandError(error.message);
    throw error;
  }
  throw new CommandError(`unknown command ${command}`);
}
