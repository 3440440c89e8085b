/**
 * Numbered migrations, applied in order; each sets PRAGMA user_version to its number. Never edit a shipped
 * migration: add the next number.
 */
import { m001Settings } from './001-settings';
import { m002Practice } from './002-practice';
import { m003CallLog } from './003-call-log';
import { m004MessageStatuses } from './004-message-statuses';

export interface Migration {
  version: number;
  name: string;
  up: string;
}

export const migrations: readonly Migration[] = [m001Settings, m002Practice, m003CallLog, m004MessageStatuses];
