/**
 * The ClinicDesk server: Fastify (HTTP) and socket.io (signalling) on one port, over the database.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AccountService } from './accounts/accountService';
import { PasswordHasher } from './accounts/passwords';
import { TwoFactorService } from './accounts/twoFactor';
import { Server as SocketServer } from 'socket.io';
import { ConfigError, type ServerConfig } from './config';
import type { ServerDb } from './db/database';
import { Leases } from './cluster/leases';
import { connectRedis } from './cluster/redis';
import { registerSyncRoutes } from './http/syncRoutes';
import { CallLogSync } from './sync/callLogSync';
import { SyncService } from './sync/syncService';
import { fileCarrier, gatewayApiCarrier, type SmsCarrier } from './sending/carriers';
import { Dispatcher } from './sending/dispatcher';
import { CreditLedger } from './sending/ledger';
import { registerSmsWebhooks } from './sending/webhooks';
import { registerCreditRoutes } from './http/creditRoutes';
import { registerBillingRoutes } from './http/billingRoutes';
import { VoucherService } from './billing/vouchers';
import type { Transaction } from 'kysely';
import type { ServerDatabase } from './db/schema';
import { SubscriptionService } from './billing/subscriptionService';
import { stripePaymentProvider } from './billing/stripeProvider';
import { TelehealthService } from './telehealth/telehealthService';
import { registerTelehealthRoutes } from './http/telehealthRoutes';
import { testPaymentProvider } from './billing/providers';
import { ApiError } from './http/apiError';
import { registerAccountRoutes } from './http/accountRoutes';
import { registerAdminRoutes } from './http/adminRoutes';
import { createGuard } from './http/auth';
import { registerContactRoutes, registerContactSmsRoute } from './http/contactRoutes';
import { ContactSms } from './contacts/contactSms';
import { registerProfileRoutes } from './http/profileRoutes';
import { AccountDeletion } from './accounts/accountDeletion';
import { ProfileService } from './accounts/profileService';
import type { Profile } from './accounts/accountService';
import { CallRecords } from './calls/callRecords';
import { ContactService } from './contacts/contactService';
import { OrganisationService } from './organisations/organisationService';
import { InvitationService } from './calls/invitationService';
import { Signalling } from './calls/signalling';
import { registerCallRoutes } from './http/callRoutes';
import { registerGuestPage } from './http/guestPage';
import { createMailer, type Mailer } from './mail/mailer';
import { fileSmsGateway, type SmsGateway } from './sms/gateway';
import { registerSecurityHeaders, registerSocketHeaders } from './http/securityHeaders';
import { registerJsonBody } from './http/jsonBody';
import { serve } from './http/serve';
import { callRoutes } from '../protocol/calls';
import { isUniqueViolation } from './db/database';
import { Throttle } from './security/throttle';
import { keyedHash, loadServerSecret } from './security/serverSecret';
import { boundedRecoveryAdapter } from './cluster/recoveryBuffer';

export interface ServerContext {
  app: FastifyInstance;
  io: SocketServer;
  accounts: AccountService;
  deletion: AccountDeletion;
  organisations: OrganisationService;
  callRecords: CallRecords;
  invitations: InvitationService;
  signalling: Signalling;
  throttle: Throttle;
  /** Every route as registered (method and URL), for the cross-organisation walk. */
  routes: { method: string; url: string }[];
  /** The hourly housekeeping: renews subscriptions, erases deleted accounts, deletes expired call records (run here, unconditionally). */
  housekeeping(): Promise<void>;
  /** What the hourly timer does: the housekeeping, in whichever process holds its lease; true when it ran here. */
  housekeepingTick(): Promise<boolean>;
  leases: Leases;
  sync: SyncService;
  ledger: CreditLedger;
  dispatcher: Dispatcher;
  subscriptions: SubscriptionService;
  telehealth: TelehealthService;
  /**
   * A graceful shutdown's first half: readiness answers 503 (the load balancer sends nobody new), this
   * process's leases are given up, and open sockets are closed at the transport so that their clients
   * reconnect — through the load balancer, to another process.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** How long the housekeeping lease lasts: a little under the hourly timer, so the holder renews it each run. */
const HOUSEKEEPING_LEASE_MS = 50 * 60_000;

/** Request fields that may carry secrets; pino replaces them before anything is written. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body.password',
  'req.body.code',
  'req.body.pin',
  'req.body.token',
  'req.body.refreshToken',
  'req.body.challenge',
  'req.body.phone',
];

/** Tokens travel in some paths (guest invitations, registration links): logs keep the route, never the token or a query. */
export const redactUrl = (url: string): string =>
  url
    .split('?')[0]!
    .replace(/^\/(join|register|api\/registration)\/(?!signup$)[^/]+/, (_, route: string) => `/${route}/[redacted]`);

export interface BuildOptions {
  /** Where logs go (stdout by default); tests read them to prove no secret is written. */
  logStream?: NodeJS.WritableStream;
  /** The clock, replaceable in tests (link expiry). */
  now?: () => number;
  mailer?: Mailer;
  sms?: SmsGateway;
  /** Ring timeout and rejoin grace, shortened by tests. */
  timing?: { ringMs: number; graceMs: number; heartbeatMs?: number; deadAfterMs?: number };
  /** The carrier the dispatcher hands SMS to (by default from the configuration). */
  carrier?: SmsCarrier;
  /** False: the dispatcher does not run by itself (tests call `dispatcher.tick()`). */
  dispatch?: boolean;
  /** How long a repeated SMS to a contact waits for the first request's outcome (shortened by tests). */
  contactSmsWaitMs?: number;
}

export async function buildServer(
  config: ServerConfig,
  database: ServerDb,
  version: string,
  options: BuildOptions = {},
): Promise<ServerContext> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
      },
    },
    bodyLimit: 1024 * 1024,
    // Behind nginx the client's address comes from X-Forwarded-For, from the proxies named here only.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
  });

  registerSecurityHeaders(app);
  registerJsonBody(app);
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  // Several processes share their route limits through Redis; one process keeps them in memory.
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : null;
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis: redis.rateLimit, nameSpace: 'clinicdesk-rate-' } : {}),
  });

  // Bad input is the client's mistake: a 400 with a clear message, never a 500.
  app.setErrorHandler((error: { validation?: unknown; statusCode?: number; message: string }, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).send({
        error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
      });
    }
    if (isUniqueViolation(error)) {
      // Two requests raced for one unique value; the loser is told so, not given a 500.
      return reply.code(409).send({ error: { code: 'conflict', message: 'This was changed at the same time' } });
    }
    if (error.statusCode === 429) {
      return reply
        .code(429)
        .send({ error: { code: 'rate_limited', message: 'Too many attempts; please wait a moment' } });
    }
    if (error.validation || (error.statusCode && error.statusCode < 500)) {
      return reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 400).send({
        error: { code: 'bad_request', message: error.message },
      });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'Unexpected error' } });
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: 'Not found' } }),
  );

  serve(app, callRoutes.health, () => ({ status: 'ok' as const, version, schemaVersion: database.schemaVersion }));
  let draining = false;
  serve(app, callRoutes.ready, async () => {
    if (draining) throw new ApiError(503, 'draining', 'This server process is shutting down');
    try {
      await database.db.selectFrom('server_info').select('key').limit(1).execute();
    } catch {
      throw new ApiError(503, 'not_ready', 'The database does not answer');
    }
    if (redis && !(await redis.ping())) throw new ApiError(503, 'not_ready', 'Redis does not answer');
    return { status: 'ready' as const };
  });
  const mailer =
    options.mailer ??
    createMailer({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      dataDir: config.dataDir,
      log: (message, details) => app.log.info(details, message),
    });
  const hasher = PasswordHasher.configured(config);
  const sms = options.sms ?? fileSmsGateway(config.dataDir, options.now);
  const twoFactor = new TwoFactorService(database.db, hasher, sms, options.now);
  const now = options.now ?? Date.now;
  const throttle = new Throttle(database.db, now);
  const accounts = new AccountService(
    database.db,
    hasher,
    mailer,
    config,
    twoFactor,
    throttle,
    now,
    (message, details) => app.log.error(details, message),
  );
  const profiles = new ProfileService(database.db, hasher, accounts, {
    termsVersion: config.networkTermsVersion,
    now,
  });
  const deletion = new AccountDeletion(database.db, accounts, config.accountErasureDays, now);
  const organisations = new OrganisationService(database.db, accounts, now);
  const contacts = new ContactService(database.db, now);
  const callRecords = new CallRecords(database.db, config.callRecordRetentionDays, now);
  const guard = createGuard(accounts);
  registerAccountRoutes(app, accounts, guard);
  registerProfileRoutes(app, { accounts, profiles, deletion, organisations }, guard);
  registerAdminRoutes(app, accounts, organisations, guard, now);
  registerContactRoutes(app, contacts, guard);
  await registerGuestPage(app, config.webDir);

  const io = new SocketServer(app.server, {
    serveClient: false,
    cors: { origin: false },
    maxHttpBufferSize: 256 * 1024,
    // A dropped socket resumes with its rooms within two minutes; its credentials are checked again, so a
    // session revoked meanwhile does not come back. What it missed is replayed from a bounded buffer: the
    // Redis stream when clustered, otherwise the newest packets in this process (recoveryBuffer.ts).
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    adapter: redis ? redis.adapter : boundedRecoveryAdapter(),
  });
  registerSocketHeaders(io);
  const secret = loadServerSecret(config);
  const invitations = new InvitationService(
    database.db,
    mailer,
    sms,
    config,
    throttle,
    keyedHash(secret, 'guest-code'),
    now,
  );
  // Made below, once subscriptions exist; signalling asks it only when calls happen.
  // eslint-disable-next-line prefer-const -- assigned below, after the services it needs
  let telehealth: TelehealthService;
  const mayStartVideo = async (profile: Profile) => {
    await subscriptions.requireUsable(profile);
    await telehealth.requireMinutes(profile);
  };
  const signalling = new Signalling(io, {
    db: database.db,
    video: {
      mayStart: mayStartVideo,
      connected: (call) => telehealth.connected(call),
      ended: (id) => telehealth.ended(id),
    },
    accounts,
    contacts,
    invitations,
    callRecords,
    now,
    log: (message, details) => app.log.error(details, message),
    clustered: redis !== null,
    timing: options.timing ?? {
      ringMs: config.ringTimeoutSeconds * 1000,
      graceMs: config.rejoinGraceSeconds * 1000,
    },
  });
  await signalling.start();
  registerCallRoutes(app, { invitations, signalling, ice: config, now, requireUsable: mayStartVideo }, guard);
  const sync = new SyncService(database.db, now, () => database.refreshStatistics());
  registerSyncRoutes(app, sync, new CallLogSync(database.db), guard);
  // The other devices of the practice pull at once (the pushing device already has what it pushed).
  sync.onChanged((practiceId, cursor) => io.to(`practice:${practiceId}`).emit('sync:changed', { cursor }));
  // An upgrade moves the practice: the account's connected devices hear the organisation's changes at once
  // (on every process, through the adapter), not only after they reconnect.
  organisations.onPracticeMoved((accountId, from, to) => {
    io.in(`peer:${accountId}`).socketsJoin(`practice:${to}`);
    io.in(`peer:${accountId}`).socketsLeave(`practice:${from}`);
  });

  const ledger = new CreditLedger(database.db, sync, now);
  const carrier =
    options.carrier ??
    (config.smsProvider === 'gatewayapi' && config.gatewayApiToken
      ? gatewayApiCarrier({
          baseUrl: config.gatewayApiUrl,
          token: config.gatewayApiToken,
          sender: config.gatewayApiSender,
          callbackUrl: new URL('/api/sms/gatewayapi/status', config.publicUrl).href,
        })
      : fileCarrier(config.dataDir, now));
  // Dispatcher and subscriptions know each other: sending waits for a subscription, and one starting
  // releases what waited.
  let releaseUnsubscribed: (trx: Transaction<ServerDatabase>, owner: string) => Promise<void> = async () => {};
  const vouchers = new VoucherService(database.db, now);
  // Stripe when configured, else the embedded test provider (card form in the app, marked "test mode").
  // Half a Stripe configuration is refused: without the webhook secret, test cards would be taken as paid.
  if (Boolean(config.stripeSecretKey) !== Boolean(config.stripeWebhookSecret))
    throw new ConfigError('Stripe needs both stripeSecretKey and stripeWebhookSecret');
  const paymentProvider =
    config.stripeSecretKey && config.stripeWebhookSecret
      ? stripePaymentProvider({
          secretKey: config.stripeSecretKey,
          webhookSecret: config.stripeWebhookSecret,
          ...(config.stripeApiBase ? { apiBase: config.stripeApiBase } : {}),
          returnUrl: (paymentId, outcome) => {
            const url = new URL('/billing/return', config.publicUrl);
            url.searchParams.set('payment', paymentId);
            url.searchParams.set('outcome', outcome);
            return url.href;
          },
        })
      : testPaymentProvider();
  const subscriptions = new SubscriptionService(database.db, vouchers, paymentProvider, {
    plans: config.billingPlans,
    vatRates: config.vatRates,
    trialDays: config.trialDays,
    graceDays: config.paymentGraceDays,
    now,
    mailer,
    onActive: (trx, owner) => releaseUnsubscribed(trx, owner),
    telehealth: config.telehealth,
    log: (message, details) => app.log.error(details, message),
  });
  telehealth = new TelehealthService(database.db, subscriptions, {
    telehealth: config.telehealth,
    plans: config.billingPlans,
    now,
  });
  const dispatcher = new Dispatcher(
    database.db,
    sync,
    ledger,
    { sms: carrier, mail: mailer },
    {
      holder: `${process.pid}-${randomUUID()}`,
      leaseMs: config.dispatchLeaseMs,
      batch: config.dispatchBatch,
      concurrency: config.dispatchConcurrency,
      maxAttempts: config.dispatchMaxAttempts,
      intervalMs: config.dispatchIntervalMs,
      now,
      log: (message, details) => app.log.error(details, message),
      entitled: (practiceId) => subscriptions.entitled(practiceId),
      dialect: database.dialect,
    },
  );
  releaseUnsubscribed = (trx, owner) => dispatcher.releaseUnsubscribed(trx, owner);
  sync.onRow(dispatcher.ingest);
  // A push may have brought a message that is due now (a free text sent at once).
  sync.onChanged(() => dispatcher.kick());
  registerCreditRoutes(app, { db: database.db, ledger, dispatcher, sync, packs: config.creditPacks, now }, guard);
  registerSmsWebhooks(app, { secret: config.smsWebhookSecret, dispatcher, sync, db: database.db });
  registerContactSmsRoute(
    app,
    new ContactSms({
      db: database.db,
      contacts,
      ledger,
      carrier,
      requireUsable: (profile) => subscriptions.requireUsable(profile),
      now,
      ...(options.contactSmsWaitMs !== undefined ? { repeatWaitMs: options.contactSmsWaitMs } : {}),
    }),
    guard,
  );
  registerTelehealthRoutes(app, telehealth, guard);
  registerBillingRoutes(app, { plans: config.billingPlans, vouchers, subscriptions, provider: paymentProvider }, guard);
  const housekeeping = async (): Promise<void> => {
    await deletion.eraseDue();
    await telehealth.closeStale();
    await subscriptions.renewDue();
    await subscriptions.remindTrials();
    await callRecords.purge();
    await invitations.purge();
    await accounts.purgeSessions();
    await signalling.purgeTickets();
    await throttle.purge();
  };
  // Once across all processes: the holder of the lease does it (and renews the lease each hour).
  const leases = new Leases(database.db, now);
  const housekeepingTick = () => leases.runOnce('housekeeping', HOUSEKEEPING_LEASE_MS, housekeeping);
  await housekeepingTick();
  // The metered calls (of every process: their state is shared) are touched each minute: a crash loses at
  // most that minute.
  const meterTimer = setInterval(() => {
    signalling
      .meteredCallIds()
      .then((ids) => telehealth.touch(ids))
      .catch((error: unknown) => app.log.error({ err: error }, 'metering failed'));
  }, 60_000);
  meterTimer.unref();
  const timer = setInterval(() => {
    housekeepingTick().catch((error: unknown) => app.log.error({ err: error }, 'housekeeping failed'));
  }, 3_600_000);
  timer.unref();

  await app.ready();
  if (options.dispatch !== false) dispatcher.start();
  return {
    app,
    io,
    accounts,
    deletion,
    organisations,
    callRecords,
    invitations,
    signalling,
    throttle,
    routes,
    housekeeping,
    housekeepingTick,
    leases,
    sync,
    ledger,
    dispatcher,
    subscriptions,
    telehealth,
    drain: async () => {
      draining = true;
      await dispatcher.stop();
      clearInterval(timer);
      clearInterval(meterTimer);
      await leases.release('housekeeping').catch(() => undefined);
      // Closing the transport (not a server-side disconnect, after which socket.io clients stay away)
      // makes each client reconnect on its own.
      for (const socket of io.of('/').sockets.values()) socket.conn.close();
    },
    close: async () => {
      clearInterval(timer);
      clearInterval(meterTimer);
      await dispatcher.stop();
      await signalling.close();
      await accounts.settled();
      mailer.close();
      await io.close();
      await app.close();
      await redis?.close();
      await database.close();
    },
  };
}
