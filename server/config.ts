/**
 * Server configuration: defaults < config file < environment < command-line flags, validated by zod so a
 * bad value stops the start with a clear message instead of a late crash.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { REGISTRATION_STEPS } from './accounts/accountService';

export const DEFAULT_PORT = 4780;

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(DEFAULT_PORT),
    dataDir: z.string().min(1),
    /** Where the patients' links point; defaults to http://host:port. */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The built renderer (the guest page and its assets). */
    webDir: z.string().min(1),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** smtp(s)://user:pass@host:port; without it, mail is written as .eml files into the data folder. */
    smtpUrl: z.url({ protocol: /^smtps?$/ }).optional(),
    mailFrom: z.string().min(3).default('ClinicDesk <no-reply@clinicdesk.invalid>'),
    accessTokenMinutes: z.coerce.number().int().min(1).max(1440).default(15),
    refreshTokenDays: z.coerce.number().int().min(1).max(365).default(30),
    registrationLinkDays: z.coerce.number().int().min(1).max(60).default(14),
    /**
     * argon2id memory in KiB and passes over it, one lane: 64 MiB and three passes (RFC 9106's choice for
     * 64 MiB), about 10× OWASP's minimum cost. With huge pages for the hash's memory (GLIBC_TUNABLES, see
     * the README's "Sign-in") one sign-in takes 50–250 ms of one core. Hashes made with other parameters
     * still verify and are replaced at the next sign-in.
     */
    argon2MemoryKiB: z.coerce.number().int().min(8192).max(1_048_576).default(65536),
    argon2TimeCost: z.coerce.number().int().min(1).max(10).default(3),
    /** The registration wizard's steps after username and password, in this edition's order. */
    registrationSteps: z
      .array(z.enum(REGISTRATION_STEPS))
      .max(REGISTRATION_STEPS.length)
      .refine((steps) => new Set(steps).size === steps.length, { message: 'steps must not repeat' })
      .default([...REGISTRATION_STEPS]),
    /** The version of the network's privacy policy and terms that participation needs accepted. */
    networkTermsVersion: z
      .string()
      .regex(/^[0-9A-Za-z.-]{1,40}$/)
      .default('2026-11'),
    /** Minimum term and notice period per plan. */
    plans: z
      .record(
        z.string(),
        z.object({
          minimumTermMonths: z.number().int().min(0).max(120),
          noticeDays: z.number().int().min(0).max(365),
        }),
      )
      .default({
        trial: { minimumTermMonths: 0, noticeDays: 0 },
        individual: { minimumTermMonths: 12, noticeDays: 30 },
        organisation: { minimumTermMonths: 12, noticeDays: 90 },
      }),
    /**
     * The plans on sale: name, price per period in minor units per currency, monthly or yearly, minimum
     * term and notice period (0: no lock-in), per seat (organisations). Money is never a float. (Issue 11:
     * the subscriptions take these over from `plans`, whose contract terms stay until they do.)
     */
    billingPlans: z
      .record(
        z.string().regex(/^[a-z0-9-]{1,40}$/),
        z
          .object({
            name: z.string().min(1).max(80),
            interval: z.enum(['month', 'year']),
            prices: z.partialRecord(z.enum(['CHF', 'EUR', 'SEK', 'DKK']), z.number().int().min(0).max(100_000_000)),
            minimumTermMonths: z.number().int().min(0).max(120),
            noticeDays: z.number().int().min(0).max(365),
            perSeat: z.boolean().default(false),
            audience: z.enum(['individual', 'organisation']),
          })
          .strict(),
      )
      .default({
        flex: {
          name: 'ClinicDesk Flex',
          interval: 'month',
          prices: { EUR: 3900, CHF: 3900, SEK: 44000, DKK: 29000 },
          minimumTermMonths: 0,
          noticeDays: 0,
          perSeat: false,
          audience: 'individual',
        },
        yearly: {
          name: 'ClinicDesk Yearly',
          interval: 'year',
          prices: { EUR: 39000, CHF: 39000, SEK: 440000, DKK: 290000 },
          minimumTermMonths: 12,
          noticeDays: 30,
          perSeat: false,
          audience: 'individual',
        },
        organisation: {
          name: 'ClinicDesk Organisation',
          interval: 'month',
          prices: { EUR: 2900, CHF: 2900, SEK: 33000, DKK: 22000 },
          minimumTermMonths: 12,
          noticeDays: 90,
          perSeat: true,
          audience: 'organisation',
        },
      }),
    /** Telehealth Pro (issue 12): the add-on's price per colleague and month, its minutes, the trial minutes. */
    telehealth: z
      .object({
        name: z.string().min(1).max(80),
        prices: z.partialRecord(z.enum(['CHF', 'EUR', 'SEK', 'DKK']), z.number().int().min(0).max(100_000_000)),
        includedMinutes: z.number().int().min(0).max(1_000_000),
        trialMinutes: z.number().int().min(0).max(100_000),
      })
      .strict()
      .default({
        name: 'Telehealth Pro',
        prices: { EUR: 2900, CHF: 2900, SEK: 33000, DKK: 22000 },
        includedMinutes: 2000,
        trialMinutes: 60,
      }),
    /** Days of the free trial a new account (or organisation) starts with, from its registration. */
    trialDays: z.coerce.number().int().min(0).max(365).default(14),
    /** Stripe (issue 11): with a secret key, card payments go through Stripe instead of the embedded test provider. */
    stripeSecretKey: z.string().min(8).optional(),
    /** The signing secret of the Stripe webhook endpoint (`whsec_…`), for /api/billing/stripe/webhook. */
    stripeWebhookSecret: z.string().min(8).optional(),
    /** Another Stripe API host (a local stand-in in tests). */
    stripeApiBase: z.url().optional(),
    /** Days a declined renewal is retried (the subscription `past_due` and usable) before it ends. */
    paymentGraceDays: z.coerce.number().int().min(0).max(60).default(7),
    /** Days between deleting an account and erasing its personal data (invoices are kept for 10 years). */
    accountErasureDays: z.coerce.number().int().min(0).max(365).default(30),
    /** VAT per customer country in basis points (8.1 % = 810); countries not listed pay none. */
    vatRates: z
      .record(z.string().regex(/^[A-Z]{2}$/), z.number().int().min(0).max(10_000))
      .default({ CH: 810, LI: 810, DE: 1900, AT: 2000, SE: 2500, DK: 2500 }),
    /** STUN and TURN for the peers; TURN credentials are made per user in the coturn REST-API format. */
    stunUrls: z.array(z.string().regex(/^stuns?:/)).default([]),
    turnUrls: z.array(z.string().regex(/^turns?:/)).default([]),
    turnSecret: z.string().min(16).optional(),
    turnTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** How long a colleague's phone rings before the call counts as missed. */
    ringTimeoutSeconds: z.coerce.number().int().min(5).max(300).default(45),
    /** How long a peer whose connection dropped (reload, network change, a lost server process) keeps its place in a call. */
    rejoinGraceSeconds: z.coerce.number().int().min(5).max(600).default(30),
    /** A patient's invitation for an appointment stays valid this long after its start. */
    guestWindowHours: z.coerce.number().int().min(1).max(72).default(4),
    /** Call records (metadata) are deleted after this many days. */
    callRecordRetentionDays: z.coerce.number().int().min(1).max(3650).default(92),
    /** postgres://…: PostgreSQL instead of the embedded SQLite file (several server processes). */
    databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    databasePoolSize: z.coerce.number().int().min(1).max(500).default(10),
    /**
     * Frequent statements prepared once per PostgreSQL connection (server/db/pgPreparedStatements.ts). Off
     * only behind a connection pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
     */
    databasePreparedStatements: z
      .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
      .default(true),
    /** redis://…: shared call state, socket.io across processes and rate-limit counters in Redis. */
    redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
    /**
     * Which proxies to trust for the client's address (X-Forwarded-For): false (none, the default), true
     * (any), a hop count, or addresses/CIDRs. Set it behind nginx, or every patient shares nginx's address.
     */
    trustProxy: z
      .union([
        z.boolean(),
        z.number().int().min(0).max(10),
        z.array(z.string().min(1).max(64)).max(32),
        z
          .string()
          .max(1000)
          .transform((value, ctx) => {
            if (value === 'true' || value === 'false') return value === 'true';
            if (/^\d+$/.test(value)) return Number(value);
            const list = value
              .split(',')
              .map((part) => part.trim())
              .filter(Boolean);
            if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'trustProxy: addresses expected' });
            return list;
          }),
      ])
      .default(false),
    /**
     * The server's own key (HMAC of patients' access codes). Every process of one installation needs the
     * same one; without it, a random key is created once in the data folder (server.key, 0600).
     */
    serverSecret: z.string().min(32).max(512).optional(),
    /**
     * Where SMS go: 'file' (the embedded default: one file per message in data/sms-sent) or 'gatewayapi'
     * (gatewayApiToken and gatewayApiSender needed; see the README for why this provider).
     */
    smsProvider: z.enum(['file', 'gatewayapi']).default('file'),
    gatewayApiUrl: z.url({ protocol: /^https?$/ }).default('https://gatewayapi.eu'),
    gatewayApiToken: z.string().min(10).max(200).optional(),
    /** The sender shown on the phone: up to 11 letters and digits, or a number. */
    gatewayApiSender: z
      .string()
      .regex(/^([A-Za-z0-9 ]{1,11}|\+?[0-9]{3,15})$/)
      .default('ClinicDesk'),
    /** The secret GatewayAPI signs its webhooks with (delivery receipts, inbound SMS); webhooks are off without it. */
    smsWebhookSecret: z.string().min(16).max(200).optional(),
    /** The packs of SMS credits on sale, per currency: prices in minor units. */
    creditPacks: z
      .record(
        z.enum(['CHF', 'EUR', 'SEK', 'DKK']),
        z
          .array(
            z.object({
              id: z.string().regex(/^[a-z0-9-]{1,40}$/),
              credits: z.number().int().min(1).max(10_000_000),
              priceMinor: z.number().int().min(0).max(100_000_000),
            }),
          )
          .min(1),
      )
      .default({
        EUR: [
          { id: 'sms-500', credits: 500, priceMinor: 4500 },
          { id: 'sms-2000', credits: 2000, priceMinor: 16000 },
          { id: 'sms-10000', credits: 10000, priceMinor: 70000 },
        ],
        CHF: [
          { id: 'sms-500', credits: 500, priceMinor: 4500 },
          { id: 'sms-2000', credits: 2000, priceMinor: 16000 },
          { id: 'sms-10000', credits: 10000, priceMinor: 70000 },
        ],
        SEK: [
          { id: 'sms-500', credits: 500, priceMinor: 50000 },
          { id: 'sms-2000', credits: 2000, priceMinor: 180000 },
          { id: 'sms-10000', credits: 10000, priceMinor: 780000 },
        ],
        DKK: [
          { id: 'sms-500', credits: 500, priceMinor: 33500 },
          { id: 'sms-2000', credits: 2000, priceMinor: 120000 },
          { id: 'sms-10000', credits: 10000, priceMinor: 520000 },
        ],
      }),
    /** The message dispatcher: how often it looks for due messages, how many it claims, for how long. */
    dispatchIntervalMs: z.coerce.number().int().min(50).max(60_000).default(1000),
    dispatchBatch: z.coerce.number().int().min(1).max(5000).default(200),
    dispatchLeaseMs: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
    dispatchConcurrency: z.coerce.number().int().min(1).max(64).default(8),
    dispatchMaxAttempts: z.coerce.number().int().min(1).max(50).default(10),
  })
  .strict()
  .refine((c) => c.smsProvider !== 'gatewayapi' || c.gatewayApiToken, {
    message: 'smsProvider gatewayapi needs gatewayApiToken',
    path: ['gatewayApiToken'],
  });

export type ServerConfig = z.infer<typeof configSchema> & { publicUrl: string };

/** A per-user data folder, as desktop apps keep theirs. */
export function defaultDataDir(platform = process.platform, env = process.env, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'ClinicDesk Server');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'ClinicDesk Server');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'clinicdesk-server');
}

const flags = (argv: readonly string[]): Record<string, string> =>
  Object.fromEntries(
    argv
      .filter((arg) => arg.startsWith('--') && arg.includes('='))
      .map((arg) => {
        const [key = '', ...rest] = arg.slice(2).split('=');
        return [key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), rest.join('=')];
      }),
  );

const fromEnv = (env: NodeJS.ProcessEnv): Record<string, string | undefined> => ({
  host: env.CLINICDESK_HOST,
  port: env.CLINICDESK_PORT,
  dataDir: env.CLINICDESK_SERVER_DATA_DIR,
  publicUrl: env.CLINICDESK_PUBLIC_URL,
  webDir: env.CLINICDESK_WEB_DIR,
  logLevel: env.CLINICDESK_LOG_LEVEL,
  smtpUrl: env.CLINICDESK_SMTP_URL,
  mailFrom: env.CLINICDESK_MAIL_FROM,
  turnSecret: env.CLINICDESK_TURN_SECRET,
  databaseUrl: env.CLINICDESK_DATABASE_URL,
  databasePreparedStatements: env.CLINICDESK_DATABASE_PREPARED_STATEMENTS,
  redisUrl: env.CLINICDESK_REDIS_URL,
  trustProxy: env.CLINICDESK_TRUST_PROXY,
  serverSecret: env.CLINICDESK_SERVER_SECRET,
  smsProvider: env.CLINICDESK_SMS_PROVIDER,
  gatewayApiUrl: env.CLINICDESK_GATEWAYAPI_URL,
  gatewayApiToken: env.CLINICDESK_GATEWAYAPI_TOKEN,
  gatewayApiSender: env.CLINICDESK_GATEWAYAPI_SENDER,
  smsWebhookSecret: env.CLINICDESK_SMS_WEBHOOK_SECRET,
  dispatchIntervalMs: env.CLINICDESK_DISPATCH_INTERVAL_MS,
  dispatchLeaseMs: env.CLINICDESK_DISPATCH_LEASE_MS,
  trialDays: env.CLINICDESK_TRIAL_DAYS,
  stripeSecretKey: env.CLINICDESK_STRIPE_SECRET_KEY,
  stripeWebhookSecret: env.CLINICDESK_STRIPE_WEBHOOK_SECRET,
  stripeApiBase: env.CLINICDESK_STRIPE_API_BASE,
});

const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export class ConfigError extends Error {}

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, webDirDefault: string): ServerConfig {
  const cli = flags(argv);
  const { config: configFile, ...cliValues } = cli;
  const early = { ...defined(fromEnv(env)), ...cliValues };
  const dataDir = resolve(String(early.dataDir ?? defaultDataDir()));
  const file = configFile ?? env.CLINICDESK_CONFIG ?? join(dataDir, 'server.json');
  let fileValues: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`Cannot read the configuration file ${file}: ${(error as Error).message}`);
    }
  } else if (configFile) {
    throw new ConfigError(`The configuration file ${file} does not exist`);
  }
  const parsed = configSchema.safeParse({ webDir: webDirDefault, ...fileValues, ...early, dataDir });
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid server configuration: ${detail}`);
  }
  const config = parsed.data;
  return { ...config, publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}` };
}
