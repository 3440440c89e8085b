/**
 * The desktop's session with the ClinicDesk server, in the main thread (beside the core worker) because the
 * refresh token lives in the OS-encrypted SecretStore. The access token stays in memory; it is refreshed
 * shortly before it expires, one refresh at a time — a rotated refresh token used twice would end the
 * session, so two commands must never refresh concurrently.
 */
import { httpCallLogTransport, httpSyncTransport } from '../sync/httpTransport';
import type { CallLogTransport } from '../sync/syncDriver';
import type {
  AccountHandlers,
  AccountProfile,
  AccountState,
  Language,
  RegistrationInfo,
} from '../../../src-preload/contract';
import type { Emit } from '../core';
import { AppError } from '../errors';
import { isPaymentPage } from '../security/policy';
import { shellStrings } from '../i18n/shellStrings';
import { intlLocale } from '../../../protocol/locale';
import { pinPdf } from './pinPdf';
import { tokenFromLink } from './registrationLink';
import { ServerClient } from './serverClient';
import type { TokenStore } from './tokenStore';
import { accountRoutes, type Tokens } from '../../../protocol/accounts';
import { adminRoutes, contactRoutes } from '../../../protocol/admin';
import { callRoutes } from '../../../protocol/calls';
import { billingRoutes } from '../../../protocol/billing';
import { telehealthRoutes } from '../../../protocol/telehealth';
import { creditRoutes } from '../../../protocol/credits';
import { syncRoutes } from '../../../protocol/sync';
import type { SyncTransport } from '../sync/syncEngine';
import type { CallInput } from '../../../protocol/client';
import type { RouteAnswer, RouteDef } from '../../../protocol/route';

export interface AccountHost {
  serverUrl(): string;
  language(): Language;
  /** The practice's country (regional spelling and dates of the PDFs made here). */
  country?: () => string | null;
  tokens: TokenStore;
  emit: Emit;
  /** Offers the user to save a file (a save dialog in the app); false when they cancelled. */
  saveFile(suggestedName: string, bytes: Uint8Array): Promise<boolean>;
  /** A native notification (and the tray) for an incoming call, a knock or a missed call. */
  notify(kind: 'incoming' | 'knock' | 'missed', name: string): void;
  now?: () => number;
  /** Opens the payment provider's hosted checkout in the system browser (checked by `isPaymentPage`). */
  openPaymentPage?(url: string): void;
  /**
   * How to reach the server: Electron's `net.fetch` in the app (the system proxy and the operating
   * system's certificate store, which practices behind a proxy or with a company root need); Node's fetch
   * in tests.
   */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** Refresh this long before the access token expires, so a request never races its expiry. */
const REFRESH_MARGIN_MS = 30_000;
const DONE = { done: true } as const;

export class AccountSession {
  private readonly client: ServerClient;
  private readonly now: () => number;
  private access: { token: string; expiresAt: number } | null = null;
  private refreshToken: string | null;
  private refreshing: Promise<void> | null = null;
  private remembered = true;
  /** The pending sign-in's challenge, while an SMS code is awaited. */
  private challenge: string | null = null;
  /** The signed-in user's role and organisation as last read from the server (undefined: not read yet). */
  private knownRole: Pick<AccountProfile, 'role' | 'organisationId'> | undefined = undefined;

  constructor(private readonly host: AccountHost) {
    this.client = new ServerClient(() => host.serverUrl(), host.fetch ? { fetch: host.fetch } : {});
    this.now = host.now ?? Date.now;
    this.refreshToken = host.tokens.get();
  }

  private adopt(tokens: Tokens): void {
    this.access = { token: tokens.accessToken, expiresAt: tokens.accessExpiresAt };
    this.refreshToken = tokens.refreshToken;
    this.remembered = this.host.tokens.set(tokens.refreshToken);
    this.challenge = null;
  }

  private forget(): void {
    const wasSignedIn = this.refreshToken !== null;
    this.access = null;
    this.refreshToken = null;
    this.challenge = null;
    this.knownRole = undefined;
    this.host.tokens.clear();
    if (wasSignedIn) this.host.emit('account.changed', { signedIn: false });
  }

  private async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const token = this.refreshToken;
      if (!token) throw new AppError('signed_out', 'Not signed in');
      try {
        this.adopt(await this.client.request(accountRoutes.refresh, { body: { refreshToken: token } }));
      } catch (error) {
        if (error instanceof AppError && error.code === 'signed_out') this.forget();
        throw error;
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** A request as the signed-in user; refreshes first when needed, and once more if the server says so. */
  private authed<R extends RouteDef>(route: R, input: CallInput<R>): Promise<RouteAnswer<R>> {
    return this.withAccess((bearer) => this.client.request(route, { ...input, auth: { bearer } }));
  }

  private authedRaw<R extends RouteDef>(route: R, input: CallInput<R>): Promise<Uint8Array> {
    return this.withAccess((bearer) => this.client.requestRaw(route, { ...input, auth: { bearer } }));
  }

  /** Sends with a fresh access token, refreshed first when it is about to expire and once more if refused. */
  private async withAccess<T>(send: (bearer: string) => Promise<T>): Promise<T> {
    if (!this.refreshToken) throw new AppError('signed_out', 'Not signed in');
    if (!this.access || this.access.expiresAt - REFRESH_MARGIN_MS <= this.now()) await this.refresh();
    try {
      return await send(this.access!.token);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'signed_out') throw error;
      await this.refresh();
      return send(this.access!.token);
    }
  }

  async state(): Promise<AccountState> {
    const base = { awaitingCode: this.challenge !== null, remembered: this.remembered };
    if (!this.refreshToken) return { signedIn: false, profile: null, ...base };
    try {
      const profile: AccountProfile = await this.authed(accountRoutes.me, {});
      this.knownRole = { role: profile.role, organisationId: profile.organisationId };
      return { signedIn: true, profile, ...base };
    } catch (error) {
      // Offline: still signed in as far as this device knows; the profile comes when the server is back.
      if (error instanceof AppError && error.code === 'server_unreachable')
        return { signedIn: true, profile: null, ...base };
      if (error instanceof AppError && error.code === 'signed_out') return { signedIn: false, profile: null, ...base };
      throw error;
    }
  }

  private async changed(): Promise<AccountState> {
    const state = await this.state();
    this.host.emit('account.changed', { signedIn: state.signedIn });
    return state;
  }

  async inspectLink(link: string): Promise<RegistrationInfo> {
    const token = tokenFromLink(link);
    if (!token) throw new AppError('link_invalid', 'Not a registration link', [{ path: 'link', code: 'link_invalid' }]);
    const info = await this.client.request(accountRoutes.inspectLink, { params: { token } });
    return { ...info, token };
  }

  async register(input: { token: string; username: string; password: string }): Promise<AccountState> {
    this.adopt(
      await this.client.request(accountRoutes.register, {
        params: { token: input.token },
        body: { username: input.username, password: input.password },
      }),
    );
    return this.changed();
  }

  async signIn(input: { username: string; password: string }): Promise<AccountState> {
    const answer = await this.client.request(accountRoutes.signIn, { body: input });
    if ('twoFactor' in answer) {
      this.challenge = answer.challenge;
      return this.state();
    }
    this.adopt(answer);
    return this.changed();
  }

  async submitCode(code: string): Promise<AccountState> {
    if (!this.challenge) throw new AppError('invalid_state', 'No sign-in is waiting for a code');
    this.adopt(await this.client.request(accountRoutes.signInWithCode, { body: { challenge: this.challenge, code } }));
    return this.changed();
  }

  async resendCode(): Promise<{ done: true }> {
    if (!this.challenge) throw new AppError('invalid_state', 'No sign-in is waiting for a code');
    const { challenge } = await this.client.request(accountRoutes.resendCode, { body: { challenge: this.challenge } });
    this.challenge = challenge;
    return DONE;
  }

  async signOut(): Promise<AccountState> {
    // A refresh in flight would store its new token after we forgot the old one: let it land first.
    await this.refreshing?.catch(() => {});
    const token = this.refreshToken;
    this.forget();
    if (token) {
      // Ending the session on the server is best effort: offline, the token is gone from this device anyway.
      await this.client.request(accountRoutes.signOut, { body: { refreshToken: token } }).catch(() => {});
    }
    return this.state();
  }

  async savePinPdf(pin: string): Promise<{ saved: boolean }> {
    const country = this.host.country?.() ?? null;
    const t = shellStrings(this.host.language(), country);
    const profile = await this.authed(accountRoutes.me, {});
    const bytes = await pinPdf(pin, {
      title: t('pinPdfTitle'),
      intro: t('pinPdfIntro'),
      account: t('pinPdfAccount', { account: profile.username ?? profile.email }),
      created: t('pinPdfCreated', {
        date: new Intl.DateTimeFormat(intlLocale(this.host.language(), country), { dateStyle: 'long' }).format(
          this.now(),
        ),
      }),
    });
    return { saved: await this.host.saveFile(t('pinPdfFile'), bytes) };
  }

  /** Ends the session on this device only (a revoked device): the app shows the sign-in screen. */
  signOutHere(): void {
    this.forget();
  }

  /**
   * The signed-in user's role and organisation (null when signed out), from the server when not read
   * yet; offline and never read, undefined: the caller decides what an unknown role may do.
   */
  async role(): Promise<Pick<AccountProfile, 'role' | 'organisationId'> | null | undefined> {
    if (!this.refreshToken) return null;
    if (this.knownRole === undefined) await this.state().catch(() => undefined);
    return this.refreshToken ? this.knownRole : null;
  }

  /** Whether a session exists (a refresh token is held); the server may still have ended it. */
  signedIn(): boolean {
    return this.refreshToken !== null;
  }

  /** Sync's requests as the signed-in user (the sync driver's way to the server). */
  syncTransport(): SyncTransport {
    return httpSyncTransport(
      (route, input) => this.authed(route, input),
      (route, input) => this.authedRaw(route, input),
    );
  }

  /** The signed-in user's own call log (shared by that user's devices only). */
  callLogTransport(): CallLogTransport {
    return httpCallLogTransport((route, input) => this.authed(route, input));
  }

  /** The contract's command handlers for the account, admin and contacts groups. */
  handlers(): AccountHandlers {
    const refreshed = async (promise: Promise<unknown>) => {
      await promise;
      return this.changed();
    };
    const r = accountRoutes;
    return {
      account: {
        state: () => this.state(),
        signUp: async (input) => {
          await this.client.request(r.signUp, { body: { ...input, language: this.host.language() } });
          return DONE;
        },
        inspectLink: ({ link }) => this.inspectLink(link),
        register: (input) => this.register(input),
        createPin: (input) => this.authed(r.createPin, { body: input?.pin ? { pin: input.pin } : undefined }),
        savePinPdf: ({ pin }) => this.savePinPdf(pin),
        confirmPin: () => refreshed(this.authed(r.confirmPin, {})),
        startTwoFactor: async (input) => {
          await this.authed(r.startTwoFactor, { body: input });
          return DONE;
        },
        confirmTwoFactor: (input) => refreshed(this.authed(r.confirmTwoFactor, { body: input })),
        disableTwoFactor: (input) => refreshed(this.authed(r.disableTwoFactor, { body: input })),
        finishRegistration: () => refreshed(this.authed(r.finishRegistration, {})),
        signIn: (input) => this.signIn(input),
        submitCode: ({ code }) => this.submitCode(code),
        resendCode: () => this.resendCode(),
        signOut: () => this.signOut(),
        profile: () => this.authed(r.profile, {}),
        updateProfile: (input) => this.authed(r.updateProfile, { body: input }),
        changePassword: async (input) => {
          // Every session ends on a password change; this device continues with the fresh one.
          this.adopt(await this.authed(r.changePassword, { body: input }));
          return DONE;
        },
        settings: () => this.authed(r.settings, {}),
        updateSettings: (input) => this.authed(r.updateSettings, { body: input }),
        deleteAccount: async (input) => {
          const answer = await this.authed(billingRoutes.deleteAccount, { body: input });
          // The server ended every session; this device forgets its own.
          this.forget();
          return answer;
        },
        upgrade: async (input) => {
          const organisation = await this.authed(r.upgrade, { body: input });
          await this.changed();
          return organisation;
        },
      },
      admin: {
        statistics: (range) => this.authed(adminRoutes.statistics, { query: range }),
        users: () => this.authed(adminRoutes.users, {}),
        invite: async (input) => {
          await this.authed(adminRoutes.invite, { body: input });
          return DONE;
        },
        updateUser: ({ id, ...edit }) => this.authed(adminRoutes.updateUser, { params: { id }, body: edit }),
        resendInvitation: async ({ id }) => {
          await this.authed(adminRoutes.resendInvitation, { params: { id } });
          return DONE;
        },
        organisation: () => this.authed(adminRoutes.organisation, {}),
        renameOrganisation: (input) => this.authed(adminRoutes.renameOrganisation, { body: input }),
        logs: (range) => this.authed(adminRoutes.logs, { query: range }),
        pinCheck: (input) => this.authed(adminRoutes.pinCheck, { body: input }),
        creditBalances: async ({ practice }) =>
          (await this.authed(creditRoutes.adminBalances, { query: { practice } })).tenants,
        transferCredits: (input) => this.authed(creditRoutes.transfer, { body: input }),
      },
      calls: {
        ticket: () => this.authed(callRoutes.ticket, {}),
        iceServers: async () => (await this.authed(callRoutes.iceServers, {})).iceServers,
        createInvitation: (input) =>
          this.authed(callRoutes.createInvitation, {
            body: {
              ...input,
              language: this.host.language(),
              timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
            },
          }),
        notify: ({ kind, name }) => {
          this.host.notify(kind, name);
          return DONE;
        },
      },
      devices: {
        list: async () => (await this.authed(syncRoutes.devices, {})).devices,
        revoke: async ({ id }) => {
          await this.authed(syncRoutes.revokeDevice, { params: { id } });
          return DONE;
        },
      },
      credits: {
        balances: () => this.authed(creditRoutes.balances, {}),
        order: async (input) => {
          const answer = await this.authed(creditRoutes.order, { body: input });
          return { orderId: answer.orderId, balance: answer.balance };
        },
      },
      billing: {
        subscription: () => this.authed(billingRoutes.subscription, {}),
        plans: () => this.authed(billingRoutes.plans, {}),
        quote: (input) => this.authed(billingRoutes.quote, { body: input }),
        checkout: async (input) => {
          const answer = await this.authed(billingRoutes.checkout, { body: input });
          // Stripe: the card is entered on its hosted page, in the system browser; nothing else is opened.
          if (answer.status === 'redirect' && answer.url && isPaymentPage(answer.url))
            this.host.openPaymentPage?.(answer.url);
          return answer;
        },
        payment: ({ paymentId }) => this.authed(billingRoutes.payment, { params: { id: paymentId } }),
        confirm: ({ paymentId, approve }) =>
          this.authed(billingRoutes.confirm, { params: { id: paymentId }, body: { approve } }),
        cancel: () => this.authed(billingRoutes.cancel, {}),
        reactivate: () => this.authed(billingRoutes.reactivate, {}),
        invoices: async () => (await this.authed(billingRoutes.invoices, {})).invoices,
        saveInvoice: async ({ id }) => {
          const pdf = await this.authed(billingRoutes.invoicePdf, { params: { id } });
          return { saved: await this.host.saveFile(pdf.filename, Buffer.from(pdf.pdfBase64, 'base64')) };
        },
        overview: () => this.authed(billingRoutes.adminOverview, {}),
        vouchers: async () => (await this.authed(billingRoutes.adminVouchers, {})).vouchers,
        createVoucher: (input) => this.authed(billingRoutes.adminCreateVoucher, { body: input }),
      },
      telehealth: {
        usage: () => this.authed(telehealthRoutes.usage, {}),
        addAddOn: (input) => this.authed(telehealthRoutes.addAddOn, { body: input }),
        removeAddOn: () => this.authed(telehealthRoutes.removeAddOn, {}),
        members: async () => (await this.authed(telehealthRoutes.members, {})).members,
        setMember: ({ id, ...body }) => this.authed(telehealthRoutes.setMember, { params: { id }, body }),
      },
      contacts: {
        list: () => this.authed(contactRoutes.list, {}),
        search: ({ query }) => this.authed(contactRoutes.search, { query: { q: query } }),
        add: ({ id }) => this.authed(contactRoutes.add, { body: { id } }),
        remove: ({ id }) => this.authed(contactRoutes.remove, { params: { id } }),
        sms: ({ id, ...body }) => this.authed(contactRoutes.sms, { params: { id }, body }),
      },
    };
  }
}
