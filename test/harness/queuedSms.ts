/**
 * A due SMS in the server's sending queue (`outgoing_messages`), as the sync hook queues a pushed message:
 * for tests and benchmarks that seed thousands of them straight into the database.
 */
import type { Insertable } from 'kysely';
import type { OutgoingMessagesTable } from '../../server/db/schema';

export const queuedSms = (m: {
  practiceId: string;
  id: string;
  recipient: string;
  body: string;
  tenantId: string;
  kind: string;
  dueAt: number;
}): Insertable<OutgoingMessagesTable> => ({
  key: `${m.practiceId} ${m.id}`,
  practice_id: m.practiceId,
  message_id: m.id,
  kind: m.kind,
  channel: 'sms',
  recipient: m.recipient,
  subject: '',
  body: m.body,
  tenant_id: m.tenantId,
  patient_id: null,
  appointment_id: null,
  state: 'queued',
  next_attempt_at: m.dueAt,
  updated_at: m.dueAt,
});
