/**
 * Numbered migrations, applied in order; each sets PRAGMA user_version to its number. Never edit a shipped
 * migration: add the next number.
 */
import { m001Settings } from './001-settings';
import { m002Practice } from './002-practice';
import { m003CallLog } from './003-call-log';
import { m004MessageStatuses } from './004-message-statuses';
import { m005AppointmentStates } from './005-appointment-states';
import { m006ActiveFlags } from './006-active-flags';
import { m007Salutation } from './007-salutation';
import { m008WorkingHours } from './008-working-hours';
import { m009PracticeLogo } from './009-practice-logo';
import { m010CallLogOwner } from './010-call-log-owner';
import { m011PatientSearchView } from './011-patient-search-view';
import { m012PatientCardIndex } from './012-patient-card-index';
import { m013PendingReminderIndex } from './013-pending-reminder-index';

export interface Migration {
  version: number;
  name: string;
  up: string;
  /**
   * A step that rebuilds a table other tables refer to: SQLite's procedure turns foreign keys off around
   * it (the pragma has no effect inside a transaction) and checks them before the commit.
   */
  foreignKeysOff?: boolean;
}

export const migrations: readonly Migration[] = [
  m001Settings,
  m002Practice,
  m003CallLog,
  m004MessageStatuses,
  m005AppointmentStates,
  m006ActiveFlags,
  m007Salutation,
  m008WorkingHours,
  m009PracticeLogo,
  m010CallLogOwner,
  m011PatientSearchView,
  m012PatientCardIndex,
  m013PendingReminderIndex,
];
