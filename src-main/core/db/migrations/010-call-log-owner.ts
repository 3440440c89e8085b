import type { Migration } from './index';

/**
 * The call log becomes each user's own, shared by that user's devices (issue 16): an entry belongs to the
 * account signed in when it was written (entries from before belong to the first account that syncs here);
 * `rev` counts its changes (written, seen) and `pushed_rev` how far the server has them.
 */
export const m010CallLogOwner: Migration = {
  version: 10,
  name: 'call-log-owner',
  up: `
    ALTER TABLE call_log ADD COLUMN account_id TEXT;
    ALTER TABLE call_log ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE call_log ADD COLUMN pushed_rev INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX call_log_by_owner ON call_log (account_id, started_at DESC);
  `,
};
