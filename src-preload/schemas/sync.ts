/** What the window and the tray show of sync, and the credit balances the desktop reads from the server. */
import { z } from 'zod';

export const SYNC_STATES = ['off', 'syncing', 'synced', 'offline', 'error', 'choice', 'revoked'] as const;

export const syncStatusSchema = z
  .object({
    state: z.enum(SYNC_STATES),
    /** Local changes the server has not acknowledged yet. */
    pending: z.number().int().min(0),
    lastSyncAt: z.number().int().nullable(),
    offlineSince: z.number().int().nullable(),
    /** The reason of an error (an error code), or null. */
    error: z.string().max(200).nullable(),
    /** While state is 'choice': what the device may do with its own data at its first sync. */
    choice: z.enum(['upload', 'replace']).nullable(),
    /**
     * A new device's first download while it runs: rows received of the total (null until the server has
     * said), the estimated seconds left (null until there is a rate), and whether the set-up, the current
     * weeks' agenda and their patients are in (the agenda is usable while the history follows).
     */
    download: z
      .object({
        received: z.number().int().min(0),
        total: z.number().int().min(0).nullable(),
        secondsLeft: z.number().int().min(0).nullable(),
        agendaReady: z.boolean(),
      })
      .nullable(),
  })
  .strict();
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const syncChoiceSchema = z.object({ choice: z.enum(['upload', 'replace', 'later']) }).strict();

export const creditOrderSchema = z
  .object({
    tenantId: z.string().regex(/^[0-9a-f-]{36}$/),
    pack: z.string().regex(/^[a-z0-9-]{1,40}$/),
    /** Made when the order window opens: a double click or a retry is the same order. */
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  })
  .strict();

export interface CreditBalances {
  tenants: { tenantId: string; name: string; balance: number }[];
  packs: { id: string; credits: number; priceMinor: number; currency: 'CHF' | 'EUR' | 'SEK' | 'DKK' }[];
  held: number;
}

export interface SyncDevice {
  id: string;
  name: string;
  accountName: string;
  /** This user's own device. */
  own: boolean;
  lastSyncAt: number | null;
  revokedAt: number | null;
}

const practiceRef = z.string().regex(/^(org|acct):[0-9a-f-]{36}$/, { message: 'practice_invalid' });
const tenantRef = z.string().regex(/^[0-9a-f-]{36}$/, { message: 'tenant_unknown' });

export const adminBalancesSchema = z.object({ practice: practiceRef }).strict();

/** The service desk moves credits between tenants (of one practice or two). */
export const creditTransferSchema = z
  .object({
    from: z.object({ practice: practiceRef, tenantId: tenantRef }).strict(),
    to: z.object({ practice: practiceRef, tenantId: tenantRef }).strict(),
    amount: z
      .number({ message: 'amount_invalid' })
      .int({ message: 'amount_invalid' })
      .min(1, { message: 'amount_invalid' })
      .max(10_000_000, { message: 'amount_invalid' }),
    note: z.string().max(500).default(''),
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  })
  .strict();
