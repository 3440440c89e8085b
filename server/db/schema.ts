import type { Generated } from 'kysely';

/** Kysely's view of the server tables; grows with each migration. */
export interface ServerInfoTable {
  key: string;
  value: string;
}

export type Role = 'member' | 'org_admin' | 'service_admin';
export type AccountStatus = 'invited' | 'active' | 'deactivated';

export interface OrganisationsTable {
  id: string;
  name: string;
  code: string;
  created_at: number;
}

export interface AccountsTable {
  id: string;
  email: string;
  name: string;
  username: string | null;
  password_hash: string | null;
  pin_hash: string | null;
  role: Role;
  organisation_id: string | null;
  status: AccountStatus;
  language: string;
  created_at: number;
  activated_at: number | null;
  phone: string | null;
  /** 1 when SMS two-factor is on (defaults to 0). */
  two_factor: Generated<number>;
  address: string | null;
  postcode: string | null;
  city: string | null;
  country: string | null;
  contact_phone: string | null;
  /** JSON of AccountPreferences; read through its schema. */
  preferences: Generated<string>;
  /** 1 when the user opted into external contact search. */
  searchable: Generated<number>;
  /** 0 while an organisation admin has the licence switched off (or has not yet switched it on). */
  licence: Generated<number>;
  pin_confirmed_at: number | null;
  /** Set when the registration wizard is finished; null while it is in progress. */
  registered_at: number | null;
  plan: Generated<string>;
  contract_ends_at: number | null;
  /** Set when the account was deleted: personal data is gone, billing keeps id, plan and dates. */
  deleted_at: number | null;
  /** When the account's deletion was asked for: its personal data is erased at this time. */
  erase_at: number | null;
  /** The username folded for comparison (case, look-alikes): unique. */
  username_key: string | null;
  /** Who invited: 'service', an organisation id, or null for self sign-up. */
  invited_by: string | null;
  /** 1 while the account takes part in the practices' network (only with the current terms accepted). */
  network: Generated<number>;
  /** The version of the network's privacy policy and terms the account accepted, and when. */
  network_terms_version: string | null;
  network_accepted_at: number | null;
}

/** A practice's synced row: every field with its value and stamp (JSON of FieldMap). */
export interface SyncRowsTable {
  practice_id: string;
  table_name: string;
  row_id: string;
  fields: string;
  seq: number;
  /** An appointment's start (ms) and patient id, for the prioritised first download; null elsewhere. */
  start_at: number | null;
  ref_id: string | null;
}

/** A user's call log entry, shared by that user's devices (migration 017). */
export interface CallLogEntriesTable {
  account_id: string;
  entry_id: string;
  /** The entry without `seen`, as JSON (protocol/sync `callLogEntrySchema`). */
  entry: string;
  seen: number;
  seq: number;
}

/** Each practice's change counter: the cursor that pulls page by. */
export interface SyncCountersTable {
  practice_id: string;
  seq: Generated<number>;
}

/** A device that pushes: how far its outbox is acknowledged; revoked devices push and pull nothing. */
export interface SyncDevicesTable {
  id: string;
  practice_id: string;
  account_id: string;
  name: Generated<string>;
  acked_seq: Generated<number>;
  last_sync_at: number | null;
  revoked_at: number | null;
}

/** Once-only work across server processes: the named lease's holder does it until the lease expires. */
/** Signalling's shared state (see migration 013): processes, sockets, peers, calls in progress. */
export interface SignalProcessesTable {
  id: string;
  seen_at: number;
}

export interface SignalSocketsTable {
  socket_id: string;
  peer_id: string;
  process_id: string;
  /** The browser tab the socket comes from (kept across reloads), where the client said. */
  tab_id: string | null;
  /** The call this socket took part in (invited, accepted, admitted, joined, rejoined or resumed). */
  call_id: string | null;
}

export interface SignalPeersTable {
  peer_id: string;
  busy: Generated<number>;
  grace_until: number | null;
  version: Generated<number>;
}

export interface SignalCallsTable {
  id: string;
  kind: 'contact' | 'group' | 'guest';
  host_id: string;
  state: 'ringing' | 'waiting' | 'active';
  started_at: number | null;
  data: string;
  version: Generated<number>;
}

export interface SignalCallPeersTable {
  call_id: string;
  peer_id: string;
  role: 'participant' | 'invited';
  deadline: number | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** Attempt counters shared by every server process (sign-in, codes, lockouts). */
export interface ThrottlesTable {
  key: string;
  count: Generated<number>;
  window_start: number;
  next_at: Generated<number>;
}

/** Single-use, 60-second tickets that open one signalling socket. */
export interface SocketTicketsTable {
  hash: string;
  account_id: string;
  expires_at: number;
}

export interface ContactsTable {
  owner_id: string;
  contact_id: string;
  created_at: number;
}

export type CallKind = 'contact' | 'group' | 'guest';

export interface CallRecordsTable {
  id: string;
  organisation_id: string | null;
  kind: CallKind;
  name: Generated<string>;
  initiator_id: string;
  started_at: number;
  ended_at: number | null;
  duration_s: Generated<number>;
  invitations: Generated<number>;
}

export interface CallParticipantsTable {
  call_id: string;
  account_id: string;
}

export interface SmsCodesTable {
  id: string;
  account_id: string;
  purpose: 'enable' | 'sign_in';
  phone: string;
  code_hash: string;
  challenge_hash: string | null;
  created_at: number;
  expires_at: number;
  attempts: Generated<number>;
  used_at: number | null;
}

export interface RegistrationLinksTable {
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  family_id: string;
  refresh_hash: string;
  access_hash: string;
  access_expires_at: number;
  refresh_expires_at: number;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

export interface CallInvitationsTable {
  id: string;
  account_id: string;
  organisation_id: string | null;
  label: Generated<string>;
  token_hash: string;
  code_hash: string;
  appointment_at: number | null;
  created_at: number;
  expires_at: number;
  redeemed_at: number | null;
  revoked_at: number | null;
  guest_token_hash: string | null;
  guest_name: string | null;
  consent_at: number | null;
  /** The consultation ended: the guest token no longer opens a socket. */
  ended_at: number | null;
}

export interface CodeFailuresTable {
  address: string;
  at: number;
}

export interface ServerDatabase {
  server_info: ServerInfoTable;
  organisations: OrganisationsTable;
  accounts: AccountsTable;
  registration_links: RegistrationLinksTable;
  sessions: SessionsTable;
  sms_codes: SmsCodesTable;
  contacts: ContactsTable;
  call_records: CallRecordsTable;
  call_participants: CallParticipantsTable;
  call_invitations: CallInvitationsTable;
  code_failures: CodeFailuresTable;
  throttles: ThrottlesTable;
  socket_tickets: SocketTicketsTable;
  leases: LeasesTable;
  signal_processes: SignalProcessesTable;
  signal_sockets: SignalSocketsTable;
  signal_peers: SignalPeersTable;
  signal_calls: SignalCallsTable;
  signal_call_peers: SignalCallPeersTable;
  sync_rows: SyncRowsTable;
  call_log_entries: CallLogEntriesTable;
  sync_counters: SyncCountersTable;
  sync_devices: SyncDevicesTable;
  outgoing_messages: OutgoingMessagesTable;
  credit_ledger: CreditLedgerTable;
  credit_balances: CreditBalancesTable;
  credit_orders: CreditOrdersTable;
  contact_sms: ContactSmsTable;
  subscriptions: SubscriptionsTable;
  payments: PaymentsTable;
  vouchers: VouchersTable;
  invoice_counters: InvoiceCountersTable;
  invoices: InvoicesTable;
  billing_events: BillingEventsTable;
  video_sessions: VideoSessionsTable;
  telehealth_totals: TelehealthTotalsTable;
  telehealth_period_usage: TelehealthPeriodUsageTable;
  telehealth_addons: TelehealthAddonsTable;
}

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled' | 'expired';
export type BillingSource = 'card' | 'invoice' | 'apple';

/** One paying party's subscription: `acct:<id>` or `org:<id>`. */
export interface SubscriptionsTable {
  owner: string;
  plan: string | null;
  status: SubscriptionStatus;
  billing_source: Generated<BillingSource>;
  trial_ends_at: number;
  started_at: number | null;
  current_period_start: number | null;
  current_period_end: number | null;
  /** Set by a cancellation (the subscription ends then, at a period end); null while it renews. */
  ends_at: number | null;
  currency: string | null;
  seats: Generated<number>;
  card_brand: string | null;
  card_last4: string | null;
  provider: string | null;
  provider_customer: string | null;
  provider_method: string | null;
  updated_at: number;
}

export type PaymentStatus = 'pending' | 'requires_action' | 'redirect' | 'succeeded' | 'declined';

export interface PaymentsTable {
  id: string;
  owner: string;
  account_id: string;
  idempotency_key: string;
  /** 'subscribe' (checkout) or 'renew'. */
  purpose: string;
  status: PaymentStatus;
  plan: string;
  /** JSON of the quote charged (lines and totals), the invoice's content. */
  quote: string;
  voucher: string | null;
  amount_minor: number;
  currency: string;
  provider: string;
  provider_ref: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface VouchersTable {
  code: string;
  kind: 'percent' | 'amount' | 'months';
  /** Basis points (percent), minor units (amount) or months. */
  value: number;
  currency: string | null;
  valid_from: number | null;
  valid_to: number | null;
  max_redemptions: number | null;
  redemptions: Generated<number>;
  /** JSON array of plan ids; empty: every plan. */
  plans: Generated<string>;
  created_by: string | null;
  created_at: number;
}

export interface InvoiceCountersTable {
  year: number;
  last: number;
}

export interface InvoicesTable {
  id: string;
  number: string;
  year: number;
  seq: number;
  owner: string;
  payment_id: string;
  language: string;
  currency: string;
  /** JSON snapshot of the customer at issue (name, address, country, organisation). */
  customer: string;
  /** JSON array of InvoiceLine. */
  lines: string;
  net_minor: number;
  vat_rate_bp: number;
  vat_minor: number;
  total_minor: number;
  period_start: number | null;
  period_end: number | null;
  issued_at: number;
}

export interface BillingEventsTable {
  id: string;
  at: number;
}

export type OutgoingState =
  'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'expired' | 'held' | 'cancelled' | 'skipped';

/** A message the server is to send (copied from the practice's synced row), with its claim and attempts. */
export interface OutgoingMessagesTable {
  key: string;
  practice_id: string;
  message_id: string;
  kind: string;
  channel: string;
  recipient: string;
  subject: Generated<string>;
  body: string;
  tenant_id: string | null;
  patient_id: string | null;
  appointment_id: string | null;
  state: OutgoingState;
  parts: Generated<number>;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_holder: string | null;
  lease_until: number | null;
  provider_id: string | null;
  error: string | null;
  updated_at: number;
}

export type LedgerKind = 'purchase' | 'debit' | 'refund' | 'transfer_in' | 'transfer_out' | 'adjustment' | 'import';

/** One entry of a tenant's credit ledger: appended, never updated or deleted. */
export interface CreditLedgerTable {
  id: string;
  practice_id: string;
  tenant_id: string;
  kind: LedgerKind;
  amount: number;
  message_id: string | null;
  reference: string | null;
  note: Generated<string>;
  idempotency_key: string | null;
  created_by: string | null;
  created_at: number;
}

/** An SMS to a contact, by idempotency key: 'sending' from the debit, then 'sent' or 'failed'. */
export interface ContactSmsTable {
  key: string;
  practice_id: string;
  state: 'sending' | 'sent' | 'failed';
  /** 'sms_refused' (permanent) or 'sms_failed' once failed. */
  failure: string | null;
  parts: number;
  updated_at: number;
}

/** The sum of a tenant's ledger, written in the same transaction as each entry. */
export interface CreditBalancesTable {
  practice_id: string;
  tenant_id: string;
  balance: Generated<number>;
}

export interface CreditOrdersTable {
  id: string;
  practice_id: string;
  tenant_id: string;
  pack: string;
  credits: number;
  price_minor: number;
  currency: string;
  /** 'recorded' until the payment provider (issue 11) exists; the credits are booked with the order. */
  status: string;
  account_id: string;
  idempotency_key: string;
  created_at: number;
}

/** A metered video call (issue 12): from connection to end, touched each minute while it lasts. */
export interface VideoSessionsTable {
  id: string;
  host_id: string;
  organisation_id: string | null;
  kind: 'guest' | 'group';
  connected_at: number;
  last_seen_at: number;
  ended_at: number | null;
  /** Set at the end: the call's time under the add-on, and outside it (against the trial minutes). */
  addon_ms: Generated<number>;
  trial_ms: Generated<number>;
}

/** Telehealth Pro for one colleague, from `starts_at` until `ends_at` (open: until removed). */
export interface TelehealthAddonsTable {
  id: string;
  owner: string;
  account_id: string;
  /** The payment that paid for its first (prorated) period; active once it succeeded. */
  payment_id: string | null;
  active: number;
  starts_at: number;
  ends_at: number | null;
  created_at: number;
}

/** A practitioner's trial time of all time (ended calls outside the add-on). */
export interface TelehealthTotalsTable {
  account_id: string;
  trial_ms: Generated<number>;
}

/** A practitioner's add-on time in one period (ended calls; the period in which they ended). */
export interface TelehealthPeriodUsageTable {
  account_id: string;
  period_start: number;
  addon_ms: Generated<number>;
}
