/** Telehealth Pro commands of the desktop (issue 12): the shapes of the protocol module the server uses. */
import { z } from 'zod';
import { idempotencyKeySchema } from '../../protocol/billing';

export type { MemberUsage, TelehealthUsage } from '../../protocol/telehealth';

export const addOnInputSchema = z.object({ idempotencyKey: idempotencyKeySchema }).strict();
export const memberAddOnSchema = z
  .object({ id: z.uuid({ message: 'id_invalid' }), addOn: z.boolean(), idempotencyKey: idempotencyKeySchema })
  .strict();
