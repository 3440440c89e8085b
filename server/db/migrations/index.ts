import type { Kysely } from 'kysely';
import type { DialectName } from '../database';
import { m001ServerInfo } from './001-server-info';
import { m002Accounts } from './002-accounts';
import { m003TwoFactor } from './003-two-factor';
import { m004Organisations } from './004-organisations';
import { m005Calls } from './005-calls';
import { m006Security } from './006-security';
import { m007Leases } from './007-leases';
import { m008Sync } from './008-sync';
import { m009Network } from './009-network';
import { m010Sending } from './010-sending';
import { m011Billing } from './011-billing';
import { m012Telehealth } from './012-telehealth';
import { m013SignallingState } from './013-signalling-state';
import { m014ContactSms } from './014-contact-sms';
import { m015SocketTabs } from './015-socket-tabs';
import { m016SyncSnapshot } from './016-sync-snapshot';
import { m017CallLogSync } from './017-call-log-sync';
import { m018DispatchLeases } from './018-dispatch-leases';
import { m019DropLeaseIndex } from './019-drop-lease-index';
import { m020QueueHeadIndex } from './020-queue-head-index';
import { m021QueueFillFactor } from './021-queue-fillfactor';
import { m022QueueIndexes } from './022-queue-indexes';

export interface ServerMigration {
  version: number;
  name: string;
  // Migrations see an untyped database: the schema type describes the latest version only.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

export const serverMigrations: readonly ServerMigration[] = [
  m001ServerInfo,
  m002Accounts,
  m003TwoFactor,
  m004Organisations,
  m005Calls,
  m006Security,
  m007Leases,
  m008Sync,
  m009Network,
  m010Sending,
  m011Billing,
  m012Telehealth,
  m013SignallingState,
  m014ContactSms,
  m015SocketTabs,
  m016SyncSnapshot,
  m017CallLogSync,
  m018DispatchLeases,
  m019DropLeaseIndex,
  m020QueueHeadIndex,
  m021QueueFillFactor,
  m022QueueIndexes,
];
