import type { Migration } from './index';

/**
 * The agenda shows each appointment's next pending reminder. Found through `messages_by_appointment`, that
 * was two random B-tree descents per appointment (the index, then the message row to check kind, status and
 * deletion) into every message the practice ever sent: a practice with ten years of reminders pays them on
 * every appointment of a week, though only the few still pending can answer (issue 13: week view 17.7 →
 * 14.8 ms p50 with 1,000,000 sent reminders, measured alone). This index holds only the pending reminders,
 * with their time: one descent into a small index, which answers alone.
 */
export const m013PendingReminderIndex: Migration = {
  version: 13,
  name: 'pending-reminder-index',
  up: `
    CREATE INDEX messages_pending_reminders ON messages (appointment_id, scheduled_at)
      WHERE kind = 'reminder' AND status IN ('draft', 'scheduled') AND deleted = 0;
  `,
};
