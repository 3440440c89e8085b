/**
 * The one contract between the renderer and the main process.
 *
 * Commands are request → response; events flow main → renderer. Each input and each event payload has a
 * zod schema, checked on the receiving side (main for commands, the preload for events). Output types are
 * declared here too, so the renderer, the preload, the main process and the test bridge share one source.
 * This file imports nothing but zod: every layer may depend on it.
 */
import { z } from 'zod';

import { LANGUAGES, languageSchema, type Language } from './schemas/language';
import {
  agendaQuerySchema,
  bookSchema,
  cancelSchema,
  copySchema,
  moveSchema,
  nextFreeSchema,
  setStatusSchema,
  undoCancelSchema,
  updateSchema,
  type AgendaDay,
  type Appointment,
  type BookResult,
  type CancelResult,
  type FreeSlot,
  type UndoCancelResult,
} from './schemas/agenda';
import {
  accountSettingsEditSchema,
  contactSearchSchema,
  createPinSchema,
  inviteSchema,
  pinCheckSchema,
  linkSchema,
  organisationNameSchema,
  passwordChangeSchema,
  profileEditSchema,
  rangeSchema,
  registerSchema,
  signInSchema,
  signUpSchema,
  smsCodeSchema,
  twoFactorStartSchema,
  userEditSchema,
  type AccountSettings,
  type AccountState,
  type AdminUser,
  type CallLogEntry,
  type Contact,
  type Organisation,
  type ProfileDetails,
  type RegistrationInfo,
  type Statistics,
} from './schemas/account';
import {
  callLogAddSchema,
  callLogFilterSchema,
  invitationCreateSchema,
  notifySchema,
  type CallLogEntry as LocalCallLogEntry,
  type GuestInvitation,
} from './schemas/calls';
import { idSchema, isoDateSchema } from './schemas/common';
import { contactSmsSchema } from './schemas/contacts';
import { addOnInputSchema, memberAddOnSchema, type MemberUsage, type TelehealthUsage } from './schemas/telehealth';
import {
  checkoutInputSchema,
  confirmInputSchema,
  deleteAccountSchema,
  invoiceInputSchema,
  paymentInputSchema,
  quoteInputSchema,
  type BillingOverview,
  type InvoiceSummary,
  type PaymentState,
  type Voucher,
  voucherCreateSchema,
  type Plan,
  type Quote,
  type Subscription,
} from './schemas/billing';
import {
  adminBalancesSchema,
  creditTransferSchema,
  creditOrderSchema,
  syncChoiceSchema,
  syncStatusSchema,
  type CreditBalances,
  type SyncDevice,
  type SyncStatus,
} from './schemas/sync';
import {
  composeSchema,
  messageListSchema,
  previewSchema,
  recallCreateSchema,
  recallStatusSchema,
  templateSaveSchema,
  type Message,
  type Recall,
  type RunResult,
  type SmsPreview,
  type Template,
} from './schemas/messages';
import { patientCreateSchema, patientSearchSchema, patientUpdateSchema, type Patient } from './schemas/patients';
import {
  appointmentTypeInputSchema,
  practiceUpdateSchema,
  practitionerInputSchema,
  roomInputSchema,
  setActiveSchema,
  tenantInputSchema,
  withId,
  type AppointmentType,
  type Practice,
  type Practitioner,
  type Room,
  type Tenant,
} from './schemas/practice';

export { LANGUAGES, languageSchema, type Language };
export * from './schemas/account';
export * from './schemas/agenda';
export {
  CALL_DIRECTIONS,
  CALL_KINDS,
  CALL_STATUSES,
  type CallLogEntry as LocalCallLogEntry,
  type GuestInvitation,
} from './schemas/calls';
export * from './schemas/messages';
export * from './schemas/patients';
export * from './schemas/practice';
export * from './schemas/sync';
export * from './schemas/billing';
export * from './schemas/telehealth';

export const VIEWS = [
  'agenda',
  'today',
  'patients',
  'messages',
  'calls',
  'contacts',
  'callLog',
  'settings',
  'admin',
  'account',
] as const;
export const viewSchema = z.enum(VIEWS);
export type View = z.infer<typeof viewSchema>;

/** Links the main process builds itself; the renderer only names one. */
export const EXTERNAL_LINKS = ['help', 'privacy', 'networkTerms'] as const;
export const externalLinkSchema = z.enum(EXTERNAL_LINKS);
export type ExternalLink = z.infer<typeof externalLinkSchema>;

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

/** https anywhere; plain http only to this machine (the embedded server). */
export const serverUrlSchema = z
  .string()
  .trim()
  .max(2048, { message: 'server_url_invalid' })
  .refine(
    (raw) => {
      if (!URL.canParse(raw)) return false;
      const url = new URL(raw);
      if (url.username || url.password || url.search || url.hash) return false;
      if (url.protocol === 'https:') return true;
      return url.protocol === 'http:' && isLoopbackHost(url.hostname);
    },
    { message: 'server_url_invalid' },
  )
  .transform((raw) => new URL(raw).origin);

export interface Settings {
  language: Language;
  /** 'os' while the user has not chosen: the language then follows the system locale. */
  languageSource: 'user' | 'os';
  serverUrl: string;
  callStation: boolean;
}

export const settingsSchema = z.object({
  language: languageSchema,
  languageSource: z.enum(['user', 'os']),
  serverUrl: z.string(),
  callStation: z.boolean(),
}) satisfies z.ZodType<Settings>;

export interface AppInfo {
  version: string;
  dataDir: string;
  /** False on a desktop that cannot keep a window on top (Wayland): call-station mode only shows it. */
  keepsOnTop: boolean;
}

export const ERROR_CODES = [
  'validation',
  'unknown_command',
  'forbidden_sender',
  'db_too_new',
  'secret_store_unavailable',
  'not_found',
  'invalid_state',
  'internal',
  // From the ClinicDesk server (the main process passes its codes on):
  'server_unreachable',
  'signed_out',
  'rate_limited',
  'forbidden',
  'account_exists',
  'link_invalid',
  'link_used',
  'link_expired',
  'password_policy',
  'password_mismatch',
  'username_taken',
  'pin_confirmed',
  'pin_missing',
  'credentials_invalid',
  'licence_inactive',
  'registration_incomplete',
  'code_too_soon',
  'code_invalid',
  'code_expired',
  'code_locked',
  'organisation_unknown',
  'already_organisation',
  'already_registered',
  'cannot_change_self',
  'role_fixed',
  // The core worker stopped: restarted (the command may not have been done), or given up.
  'core_restarted',
  'core_unavailable',
  // Sync and credits (the server's codes).
  'device_revoked',
  'clock_skew',
  'sync_gap',
  'tenant_unknown',
  'credits_insufficient',
  'update_required',
  // Subscriptions (issue 11).
  'subscription_required',
  'card_declined',
  'voucher_unknown',
  'voucher_expired',
  'voucher_used_up',
  'voucher_wrong_plan',
  'plan_unavailable',
  'already_subscribed',
  'subscription_managed',
  'subscription_ended',
  'no_subscription',
  // Telehealth Pro (issue 12).
  'telehealth_minutes_exhausted',
  'addon_needs_subscription',
  'addon_apple_billing',
  'addon_no_card',
  // SMS to a contact (issue 18).
  'contact_no_mobile',
  'sms_failed',
  'sms_pending',
  // Call-station mode on an organisation member's workstation (their administrator decides).
  'admin_only',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldIssue {
  /** Dotted path of the offending field, '' for the input as a whole. */
  path: string;
  /** Our own key (e.g. 'server_url_invalid') or zod's issue code; the renderer translates it. */
  code: string;
  /** Values the translation names (e.g. which placeholder has no value). */
  params?: Record<string, string>;
}

export interface BridgeError {
  code: ErrorCode;
  /** English, for logs; the UI shows the translation of `code` and `issues`. */
  message: string;
  issues?: FieldIssue[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export interface CommandDef<I extends z.ZodType, O> {
  readonly input: I;
  /** Phantom: carries the output type only. */
  readonly output?: O;
}

const command =
  <O>() =>
  <I extends z.ZodType>(input: I): CommandDef<I, O> => ({ input });

const none = z.undefined();
/** The answer of a command that only does something (a form needs a non-null value to know it worked). */
export type Done = { done: true };
const byId = z.object({ id: idSchema }).strict();

export const commands = {
  app: {
    info: command<AppInfo>()(none),
    openLink: command<null>()(z.object({ link: externalLinkSchema }).strict()),
    /** An error the renderer caught (error boundary, unhandled rejection), written to the log file. */
    reportError: command<null>()(
      z
        .object({
          message: z.string().max(2000),
          stack: z.string().max(8000).optional(),
          context: z.enum(['boundary', 'unhandledrejection', 'error', 'query']),
        })
        .strict(),
    ),
  },
  settings: {
    get: command<Settings>()(none),
    setLanguage: command<Settings>()(z.object({ language: languageSchema }).strict()),
    setServerUrl: command<Settings>()(z.object({ serverUrl: serverUrlSchema }).strict()),
    setCallStation: command<Settings>()(z.object({ enabled: z.boolean() }).strict()),
  },
  practice: {
    get: command<Practice>()(none),
    update: command<Practice>()(practiceUpdateSchema),
  },
  tenants: {
    list: command<Tenant[]>()(none),
    create: command<Tenant>()(tenantInputSchema),
  },
  practitioners: {
    list: command<Practitioner[]>()(none),
    create: command<Practitioner>()(practitionerInputSchema),
    update: command<Practitioner>()(withId(practitionerInputSchema)),
    setActive: command<Practitioner>()(setActiveSchema),
  },
  rooms: {
    list: command<Room[]>()(none),
    create: command<Room>()(roomInputSchema),
    update: command<Room>()(withId(roomInputSchema)),
    setActive: command<Room>()(setActiveSchema),
  },
  appointmentTypes: {
    list: command<AppointmentType[]>()(none),
    create: command<AppointmentType>()(appointmentTypeInputSchema),
    update: command<AppointmentType>()(withId(appointmentTypeInputSchema)),
    setActive: command<AppointmentType>()(setActiveSchema),
  },
  patients: {
    create: command<Patient>()(patientCreateSchema),
    update: command<Patient>()(patientUpdateSchema),
    get: command<Patient>()(byId),
    search: command<Patient[]>()(patientSearchSchema),
    remove: command<null>()(byId),
  },
  agenda: {
    day: command<AgendaDay>()(agendaQuerySchema),
    week: command<AgendaDay[]>()(agendaQuerySchema),
    book: command<BookResult>()(bookSchema),
    move: command<BookResult>()(moveSchema),
    copy: command<BookResult>()(copySchema),
    /** A reminder added by hand to one appointment (a copy plans none by itself). */
    addReminder: command<BookResult>()(
      z
        .object({
          id: idSchema,
          channel: z.enum(['sms', 'email', 'preferred']),
          offsetMinutes: z.number().int().min(15).max(43_200),
        })
        .strict(),
    ),
    update: command<BookResult>()(updateSchema),
    cancel: command<CancelResult>()(cancelSchema),
    undoCancel: command<UndoCancelResult>()(undoCancelSchema),
    nextFree: command<FreeSlot[]>()(nextFreeSchema),
    /** A patient's appointments, latest first. */
    forPatient: command<Appointment[]>()(byId),
    setStatus: command<Appointment>()(setStatusSchema),
  },
  messages: {
    list: command<Message[]>()(messageListSchema),
    preview: command<SmsPreview>()(previewSchema),
    compose: command<Message>()(composeSchema),
    cancel: command<Message>()(byId),
  },
  recalls: {
    list: command<Recall[]>()(none),
    create: command<Recall>()(recallCreateSchema),
    setStatus: command<Recall>()(recallStatusSchema),
    runDue: command<RunResult>()(none),
  },
  templates: {
    list: command<Template[]>()(none),
    save: command<Template>()(templateSaveSchema),
  },
  callLog: {
    add: command<LocalCallLogEntry>()(callLogAddSchema),
    list: command<LocalCallLogEntry[]>()(callLogFilterSchema),
    /** The missed calls not yet seen (the badge), and marking them seen. */
    missed: command<number>()(none),
    markSeen: command<number>()(none),
  },
  // The groups below run in the main thread beside the core worker: they hold the server session.
  account: {
    state: command<AccountState>()(none),
    signUp: command<Done>()(signUpSchema),
    inspectLink: command<RegistrationInfo>()(linkSchema),
    register: command<AccountState>()(registerSchema),
    createPin: command<{ pin: string }>()(createPinSchema),
    savePinPdf: command<{ saved: boolean }>()(z.object({ pin: z.string().regex(/^\d{8}$/) }).strict()),
    confirmPin: command<AccountState>()(none),
    startTwoFactor: command<Done>()(twoFactorStartSchema),
    confirmTwoFactor: command<AccountState>()(z.object({ code: smsCodeSchema }).strict()),
    disableTwoFactor: command<AccountState>()(z.object({ password: z.string().min(1).max(256) }).strict()),
    finishRegistration: command<AccountState>()(none),
    signIn: command<AccountState>()(signInSchema),
    submitCode: command<AccountState>()(z.object({ code: smsCodeSchema }).strict()),
    resendCode: command<Done>()(none),
    signOut: command<AccountState>()(none),
    profile: command<ProfileDetails>()(none),
    updateProfile: command<ProfileDetails>()(profileEditSchema),
    changePassword: command<Done>()(passwordChangeSchema),
    settings: command<AccountSettings>()(none),
    updateSettings: command<AccountSettings>()(accountSettingsEditSchema),
    /** Deletes the account (with the password): signed out now, personal data erased at `eraseAt`. */
    deleteAccount: command<{ eraseAt: number }>()(deleteAccountSchema),
    upgrade: command<Organisation>()(organisationNameSchema),
  },
  admin: {
    statistics: command<Statistics>()(rangeSchema),
    users: command<AdminUser[]>()(none),
    invite: command<Done>()(inviteSchema),
    updateUser: command<AdminUser>()(userEditSchema),
    resendInvitation: command<Done>()(byId),
    organisation: command<Organisation>()(none),
    renameOrganisation: command<Organisation>()(organisationNameSchema),
    logs: command<CallLogEntry[]>()(rangeSchema),
    /** Support: is this the caller's service PIN? (service admins only) */
    pinCheck: command<{ valid: boolean }>()(pinCheckSchema),
    /** Service desk: the tenants' balances of any practice. */
    creditBalances: command<CreditBalances['tenants']>()(adminBalancesSchema),
    /** Service desk: moves credits between tenants, recorded in both ledgers. */
    transferCredits: command<{ from: number; to: number }>()(creditTransferSchema),
  },
  calls: {
    /** A single-use ticket for the signalling socket (the access token stays in the main process). */
    ticket: command<{ ticket: string }>()(none),
    iceServers: command<RTCIceServerInit[]>()(none),
    createInvitation: command<GuestInvitation>()(invitationCreateSchema),
    /** A native notification (and the tray) for an incoming call, a knock or a missed call. */
    notify: command<Done>()(notifySchema),
  },
  contacts: {
    list: command<Contact[]>()(none),
    search: command<Contact[]>()(contactSearchSchema),
    add: command<Contact[]>()(byId),
    remove: command<Contact[]>()(byId),
    /** A short SMS to the contact's mobile, paid with the practice's credits; once per key. */
    sms: command<{ parts: number; balance: number }>()(contactSmsSchema),
  },
  launch: {
    /**
     * The clinicdesk:// link the app was started with (or that came before the page was ready), once:
     * the page asks when it has subscribed to events, so nothing pushed before that is lost.
     */
    pendingLink: command<{ link: string | null }>()(none),
  },
  sync: {
    status: command<SyncStatus>()(none),
    /** Syncs now (a retry, or the server said something changed); the status after it started. */
    now: command<SyncStatus>()(none),
    /** The answer to the first sync's question: upload this practice, replace it (exported first), or later. */
    choose: command<SyncStatus>()(syncChoiceSchema),
  },
  devices: {
    /** The workstations that sync the practice: name, whose, last sync, revoked. */
    list: command<SyncDevice[]>()(none),
    revoke: command<Done>()(z.object({ id: z.string().regex(/^[0-9a-z]{1,32}$/) }).strict()),
  },
  credits: {
    /** Each tenant's SMS credits, the packs on sale and how many messages wait for credits. */
    balances: command<CreditBalances>()(none),
    order: command<{ orderId: string; balance: number }>()(creditOrderSchema),
  },
  billing: {
    /** The trial or subscription: plan, status, dates, who manages it, whether the app may be used fully. */
    subscription: command<Subscription>()(none),
    plans: command<{ plans: Plan[]; vatRateBp: number; provider: 'test' | 'stripe' }>()(none),
    /** The checkout's preview: the numbers the charge and the invoice will have (a voucher's effect). */
    quote: command<Quote>()(quoteInputSchema),
    checkout: command<PaymentState>()(checkoutInputSchema),
    payment: command<PaymentState>()(paymentInputSchema),
    /** The cardholder's answer to the bank's 3-D Secure question. */
    confirm: command<PaymentState>()(confirmInputSchema),
    cancel: command<Subscription>()(none),
    reactivate: command<Subscription>()(none),
    invoices: command<InvoiceSummary[]>()(none),
    /** Saves an invoice's PDF where the user chooses. */
    saveInvoice: command<{ saved: boolean }>()(invoiceInputSchema),
    /** Service desk: subscriptions by status, trials ending this week, revenue per month. */
    overview: command<BillingOverview>()(none),
    vouchers: command<Voucher[]>()(none),
    createVoucher: command<Voucher>()(voucherCreateSchema),
  },
  telehealth: {
    /** Video minutes: trial minutes left, the add-on's, used, left, when they start again. */
    usage: command<TelehealthUsage>()(none),
    addAddOn: command<TelehealthUsage>()(addOnInputSchema),
    /** Stays until the period end; not renewed. */
    removeAddOn: command<TelehealthUsage>()(none),
    /** The organisation's admin: every colleague's minutes and add-on. */
    members: command<MemberUsage[]>()(none),
    setMember: command<MemberUsage>()(memberAddOnSchema),
  },
  files: {
    /**
     * The front desk's day list (one practitioner or all) as a PDF, saved where the user chooses; made in
     * the main thread, which owns the save dialog, from the core's day.
     */
    saveDayList: command<{ saved: boolean }>()(
      z.object({ date: isoDateSchema, practitionerId: idSchema.nullable().default(null) }).strict(),
    ),
  },
  screen: {
    /** The user's answer to `screen.choose`: the screen or window to share, or null (cancelled). */
    chosen: command<Done>()(
      z
        .object({
          requestId: z.string().regex(/^[0-9a-z-]{1,64}$/),
          sourceId: z.string().max(200).nullable(),
        })
        .strict(),
    ),
  },
} as const;

/** Groups served by the server session in the main thread (it needs safeStorage). */
export const ACCOUNT_GROUPS = [
  'account',
  'admin',
  'contacts',
  'calls',
  'credits',
  'devices',
  'billing',
  'telehealth',
] as const;
/** Served by the sync driver in the main thread (it talks to the server with the session's token). */
export const SYNC_GROUPS = ['sync'] as const;
/** Groups served by the Electron shell itself (it owns the OS side, such as screen capture sources). */
export const SHELL_GROUPS = ['launch', 'screen', 'files'] as const;
/** Command groups served in the Electron main thread, not in the core worker. */
export const MAIN_THREAD_GROUPS = [...ACCOUNT_GROUPS, ...SYNC_GROUPS, ...SHELL_GROUPS] as const;

/** RTCIceServer, declared here so the contract does not depend on the DOM library. */
export interface RTCIceServerInit {
  urls: string[];
  username?: string;
  credential?: string;
}
export type MainThreadGroup = (typeof MAIN_THREAD_GROUPS)[number];

export const events = {
  'settings.changed': settingsSchema,
  'app.navigate': z.object({ view: viewSchema }).strict(),
  /** Something changed the practice's data outside a command (the scheduler, sync): views reload. */
  'data.changed': z.object({ tables: z.array(z.string()).max(20) }).strict(),
  /** Signed in or out, the registration progressed, or the session ended on the server. */
  'account.changed': z.object({ signedIn: z.boolean() }).strict(),
  /** The core worker stopped unexpectedly and was restarted (or, after repeated crashes, given up). */
  'app.coreRestarted': z.object({ restarting: z.boolean() }).strict(),
  /**
   * Screen sharing asked for a source: the shell lists the screens and windows (thumbnails as PNG data
   * URLs); the renderer shows a picker and answers with `screen.chosen`.
   */
  'screen.choose': z
    .object({
      requestId: z.string().regex(/^[0-9a-z-]{1,64}$/),
      sources: z
        .array(
          z
            .object({
              id: z.string().max(200),
              name: z.string().max(300),
              kind: z.enum(['screen', 'window']),
              thumbnail: z
                .string()
                .max(400_000)
                .regex(/^data:image\/png;base64,[A-Za-z0-9+/=]*$/),
            })
            .strict(),
        )
        .max(50),
    })
    .strict(),
  /** Sync's state changed (the window's indicator and the tray follow it). */
  'sync.status': syncStatusSchema,
  /** A clinicdesk://register link was opened: the wizard starts with it. */
  'account.registrationLink': z.object({ link: z.string().max(2048) }).strict(),
} as const;

export type Commands = typeof commands;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

type Group = keyof Commands;
type Name<G extends Group> = keyof Commands[G] & string;
type Def<G extends Group, N extends Name<G>> = Commands[G][N];
type InputOf<D> = D extends CommandDef<infer I, unknown> ? I : never;
type OutputOf<D> = D extends CommandDef<z.ZodType, infer O> ? O : never;

/** Channel names are `group.command`, e.g. `settings.setLanguage`. */
export type Channel = { [G in Group]: `${G}.${Name<G>}` }[Group];

/** The API the renderer sees as `window.clinic`. */
export type ClinicApi = {
  [G in Group]: {
    [N in Name<G>]: (
      ...args: z.input<InputOf<Def<G, N>>> extends undefined
        ? []
        : undefined extends z.input<InputOf<Def<G, N>>>
          ? [input?: z.input<InputOf<Def<G, N>>>]
          : [input: z.input<InputOf<Def<G, N>>>]
    ) => Promise<Result<OutputOf<Def<G, N>>>>;
  };
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** What the main process implements: parsed input in, plain value out (or a thrown AppError). */
export type CommandHandlers = {
  [G in Group]: {
    [N in Name<G>]: (input: z.output<InputOf<Def<G, N>>>) => Promise<OutputOf<Def<G, N>>> | OutputOf<Def<G, N>>;
  };
};
/** The core's share (database, agenda, messages …), in the worker or in-process. */
export type CoreHandlers = Omit<CommandHandlers, MainThreadGroup>;
/** The server session's share, in the main thread. */
export type AccountHandlers = Pick<CommandHandlers, (typeof ACCOUNT_GROUPS)[number]>;
/** The shell's share. */
export type ShellHandlers = Pick<CommandHandlers, (typeof SHELL_GROUPS)[number]>;
/** The sync driver's share. */
export type SyncHandlers = Pick<CommandHandlers, (typeof SYNC_GROUPS)[number]>;

export interface CommandEntry {
  channel: Channel;
  group: Group;
  name: string;
  input: z.ZodType;
}

/** Flat list of commands, for registering IPC handlers and building the API. */
export const commandEntries: readonly CommandEntry[] = Object.entries(commands).flatMap(([group, defs]) =>
  Object.entries(defs).map(([name, def]) => ({
    channel: `${group}.${name}` as Channel,
    group: group as Group,
    name,
    input: (def as CommandDef<z.ZodType, unknown>).input,
  })),
);

/** IPC channel prefixes keep our traffic apart from anything else on ipcMain. */
export const COMMAND_PREFIX = 'clinic:cmd:';
export const EVENT_PREFIX = 'clinic:evt:';
