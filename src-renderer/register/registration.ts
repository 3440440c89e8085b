/**
 * Registration in the browser, for someone without the app: the same server routes and order of steps as
 * the app's wizard (username and password, then the edition's steps, then finish), through the shared
 * protocol client. No React here, so it is tested without a browser.
 */
import { createApiClient, ProtocolError, type ApiCall } from '../../protocol/client';
import { accountRoutes, type RegistrationStep } from '../../protocol/accounts';
import type { BridgeError } from '../../src-preload/contract';

export type RegistrationInfo = Awaited<ReturnType<RegistrationClient['inspect']>>;

/** A failed call as the forms show it: the server's code and field issues (translated by errorText). */
export function asFormError(error: unknown): BridgeError {
  if (error instanceof ProtocolError) {
    const known = error.status === 0 && error.code !== 'validation' ? 'server_unreachable' : error.code;
    return { code: known as BridgeError['code'], message: error.message, issues: error.issues };
  }
  return { code: 'internal', message: String(error) };
}

export class RegistrationClient {
  private accessToken: string | null = null;

  constructor(
    private readonly token: string,
    private readonly call: ApiCall = createApiClient({ baseUrl: () => window.location.origin }),
  ) {}

  /** The link opened in the app instead (the app registers clinicdesk:// on install). */
  get appLink(): string {
    return `clinicdesk://register?token=${encodeURIComponent(this.token)}`;
  }

  inspect() {
    return this.call(accountRoutes.inspectLink, { params: { token: this.token } });
  }

  async register(username: string, password: string): Promise<void> {
    const tokens = await this.call(accountRoutes.register, {
      params: { token: this.token },
      body: { username, password },
    });
    this.accessToken = tokens.accessToken;
  }

  private get auth() {
    if (!this.accessToken) throw new ProtocolError(401, 'unauthorized', 'Register first');
    return { bearer: this.accessToken };
  }

  /** A PIN drawn by the server, or the user's own (8 digits, not trivial). */
  async createPin(own?: string): Promise<string> {
    return (await this.call(accountRoutes.createPin, { auth: this.auth, body: own ? { pin: own } : undefined })).pin;
  }

  async confirmPin(): Promise<void> {
    await this.call(accountRoutes.confirmPin, { auth: this.auth });
  }

  async startTwoFactor(phone: string, country: string): Promise<void> {
    await this.call(accountRoutes.startTwoFactor, { auth: this.auth, body: { phone, country } });
  }

  async confirmTwoFactor(code: string): Promise<void> {
    await this.call(accountRoutes.confirmTwoFactor, { auth: this.auth, body: { code } });
  }

  async setSearchable(searchable: boolean): Promise<void> {
    await this.call(accountRoutes.updateSettings, { auth: this.auth, body: { searchable } });
  }

  /** Ends the wizard; the answer says whether the account can sign in yet (an organisation's licence). */
  async finish(): Promise<{ licence: boolean }> {
    const profile = await this.call(accountRoutes.finishRegistration, { auth: this.auth });
    return { licence: profile.licence };
  }
}

export type { RegistrationStep };
