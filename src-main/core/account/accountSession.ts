/**
 * The desktop's session with the ClinicDesk server, in the main thread (beside the core worker) because the
 * refresh token lives in the OS-encrypted SecretStore. The access token stays in memory; it is refreshed
 * shortly before it expires, one refresh at a time — a rotated refresh token used twice would end the
 * session, so two commands must never refresh concurrently.
 */
import type {
  AccountHandlers,
  AccountProfile,
  AccountSettings,
  AccountState,
  AdminUser,
  CallLogEntry,
  Contact,
  Contract,
  GuestInvitation,
  Language,
  Organisation,
  ProfileDetails,
  RegistrationInfo,
  RTCIceServerInit,
  Statistics,
} from '../../../src-preload/contract';
import type { Emit } from '../core';
import { AppError } from '../errors';
import { shellStrings } from '../i18n/shellStrings';
import { pinPdf } from './pinPdf';
import { tokenFromLink } from './registrationLink';
import { ServerClient, type RequestOptions } from './serverClient';
import type { TokenStore } from './tokenStore';

interface Tokens {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
}

export interface AccountHost {
  serverUrl(): string;
  language(): Language;
  tokens: TokenStore;
  emit: Emit;
  /** Offers the user to save a file (a save dialog in the app); false when they cancelled. */
  saveFile(suggestedName: string, bytes: Uint8Array): Promise<boolean>;
  /** A native notification (and the tray) for an incoming call, a knock or a missed call. */
  notify(kind: 'incoming' | 'knock' | 'missed', name: string): void;
  now?: () => number;
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

  constructor(private readonly host: AccountHost) {
    this.client = new ServerClient(() => host.serverUrl());
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
    this.host.tokens.clear();
    if (wasSignedIn) this.host.emit('account.changed', { signedIn: false });
  }

  private async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const token = this.refreshToken;
      if (!token) throw new AppError('signed_out', 'Not signed in');
      try {
        this.adopt(await this.client.request<Tokens>('POST', '/api/auth/refresh', { body: { refreshToken: token } }));
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
  private async authed<T>(method: string, path: string, options: Omit<RequestOptions, 'accessToken'> = {}) {
    if (!this.refreshToken) throw new AppError('signed_out', 'Not signed in');
    if (!this.access || this.access.expiresAt - REFRESH_MARGIN_MS <= this.now()) await this.refresh();
    try {
      return await this.client.request<T>(method, path, { ...options, accessToken: this.access!.token });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'signed_out') throw error;
      await this.refresh();
      return this.client.request<T>(method, path, { ...options, accessToken: this.access!.token });
    }
  }

  async state(): Promise<AccountState> {
    const base = { awaitingCode: this.challenge !== null, remembered: this.remembered };
    if (!this.refreshToken) return { signedIn: false, profile: null, ...base };
    try {
      const profile = await this.authed<AccountProfile>('GET', '/api/account/me');
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
    const info = await this.client.request<Omit<RegistrationInfo, 'token'>>(
      'GET',
      `/api/registration/${encodeURIComponent(token)}`,
    );
    return { ...info, token };
  }

  async register(input: { token: string; username: string; password: string }): Promise<AccountState> {
    this.adopt(
      await this.client.request<Tokens>('POST', `/api/registration/${encodeURIComponent(input.token)}`, {
        body: { username: input.username, password: input.password },
      }),
    );
    return this.changed();
  }

  async signIn(input: { username: string; password: string }): Promise<AccountState> {
    const answer = await this.client.request<Tokens | { twoFactor: true; challenge: string }>(
      'POST',
      '/api/auth/sign-in',
      { body: input },
    );
    if ('twoFactor' in answer) {
      this.challenge = answer.challenge;
      return this.state();
    }
    this.adopt(answer);
    return this.changed();
  }

  async submitCode(code: string): Promise<AccountState> {
    if (!this.challenge) throw new AppError('invalid_state', 'No sign-in is waiting for a code');
    this.adopt(
      await this.client.request<Tokens>('POST', '/api/auth/two-factor', { body: { challenge: this.challenge, code } }),
    );
    return this.changed();
  }

  async resendCode(): Promise<{ done: true }> {
    if (!this.challenge) throw new AppError('invalid_state', 'No sign-in is waiting for a code');
    const { challenge } = await this.client.request<{ challenge: string }>('POST', '/api/auth/two-factor/resend', {
      body: { challenge: this.challenge },
    });
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
      await this.client.request('POST', '/api/auth/sign-out', { body: { refreshToken: token } }).catch(() => {});
    }
    return this.state();
  }

  async savePinPdf(pin: string): Promise<{ saved: boolean }> {
    const t = shellStrings(this.host.language());
    const profile = await this.authed<AccountProfile>('GET', '/api/account/me');
    const bytes = await pinPdf(pin, {
      title: t('pinPdfTitle'),
      intro: t('pinPdfIntro'),
      account: t('pinPdfAccount', { account: profile.username ?? profile.email }),
      created: t('pinPdfCreated', {
        date: new Intl.DateTimeFormat(this.host.language(), { dateStyle: 'long' }).format(this.now()),
      }),
    });
    return { saved: await this.host.saveFile(t('pinPdfFile'), bytes) };
  }

  /** The contract's command handlers for the account, admin and contacts groups. */
  handlers(): AccountHandlers {
    const get = <T>(path: string, query?: RequestOptions['query']) => this.authed<T>('GET', path, { query });
    const send = <T>(method: string, path: string, body?: unknown) => this.authed<T>(method, path, { body });
    const refreshed = async (promise: Promise<unknown>) => {
      await promise;
      return this.changed();
    };
    return {
      account: {
        state: () => this.state(),
        signUp: async (input) => {
          await this.client.request('POST', '/api/registration/signup', {
            body: { ...input, language: this.host.language() },
          });
          return DONE;
        },
        inspectLink: ({ link }) => this.inspectLink(link),
        register: (input) => this.register(input),
        createPin: () => send<{ pin: string }>('POST', '/api/account/registration/pin'),
        savePinPdf: ({ pin }) => this.savePinPdf(pin),
        confirmPin: () => refreshed(send('POST', '/api/account/registration/pin/confirm')),
        startTwoFactor: async (input) => {
          await send('POST', '/api/account/two-factor/start', input);
          return DONE;
        },
        confirmTwoFactor: (input) => refreshed(send('POST', '/api/account/two-factor/confirm', input)),
        disableTwoFactor: (input) => refreshed(send('POST', '/api/account/two-factor/disable', input)),
        finishRegistration: () => refreshed(send('POST', '/api/account/registration/finish')),
        signIn: (input) => this.signIn(input),
        submitCode: ({ code }) => this.submitCode(code),
        resendCode: () => this.resendCode(),
        signOut: () => this.signOut(),
        profile: () => get<ProfileDetails>('/api/account/profile'),
        updateProfile: (input) => send<ProfileDetails>('PATCH', '/api/account/profile', input),
        changePassword: async (input) => {
          // Every session ends on a password change; this device continues with the fresh one.
          this.adopt(await send<Tokens>('POST', '/api/account/password', input));
          return DONE;
        },
        settings: () => get<AccountSettings>('/api/account/settings'),
        updateSettings: (input) => send<AccountSettings>('PATCH', '/api/account/settings', input),
        contract: () => get<Contract>('/api/account/contract'),
        cancelContract: (input) => send<Contract>('POST', '/api/account/contract/cancel', input),
        withdrawCancellation: () => send<Contract>('DELETE', '/api/account/contract/cancel'),
        upgrade: async (input) => {
          const organisation = await send<Organisation>('POST', '/api/account/organisation', input);
          await this.changed();
          return organisation;
        },
      },
      admin: {
        statistics: (range) => get<Statistics>('/api/admin/statistics', range),
        users: () => get<AdminUser[]>('/api/admin/users'),
        invite: async (input) => {
          await send('POST', '/api/admin/invitations', input);
          return DONE;
        },
        updateUser: ({ id, ...edit }) => send<AdminUser>('PATCH', `/api/admin/users/${id}`, edit),
        resendInvitation: async ({ id }) => {
          await send('POST', `/api/admin/users/${id}/invitation`);
          return DONE;
        },
        organisation: () => get<Organisation>('/api/admin/organisation'),
        renameOrganisation: (input) => send<Organisation>('PATCH', '/api/admin/organisation', input),
        logs: (range) => get<CallLogEntry[]>('/api/admin/logs', range),
      },
      calls: {
        ticket: () => send<{ ticket: string }>('POST', '/api/calls/ticket'),
        iceServers: async () => (await get<{ iceServers: RTCIceServerInit[] }>('/api/calls/ice-servers')).iceServers,
        createInvitation: (input) =>
          send<GuestInvitation>('POST', '/api/calls/invitations', {
            ...input,
            language: this.host.language(),
            timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          }),
        notify: ({ kind, name }) => {
          this.host.notify(kind, name);
          return DONE;
        },
      },
      contacts: {
        list: () => get<Contact[]>('/api/contacts'),
        search: ({ query }) => get<Contact[]>('/api/contacts/search', { q: query }),
        add: ({ id }) => send<Contact[]>('POST', '/api/contacts', { id }),
        remove: ({ id }) => send<Contact[]>('DELETE', `/api/contacts/${id}`),
      },
    };
  }
}
