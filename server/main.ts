/** `npm run server`: loads the configuration, opens the database and listens. */
// First: refuse an old Node.js before any native module is loaded.
import './nodeCheck';
import { dirname, join } from 'node:path';
import { buildServer } from './app';
import { ConfigError, loadConfig } from './config';
import { CopyError, copyToPostgres } from './db/copyToPostgres';
import { openServerDb } from './db/database';
import { asksHugePages } from './hugePages.mjs';
import { CommandError, runCreditCommand } from './sending/creditCommands';
import { runBillingCommand } from './billing/billingCommands';

declare const __CLINICDESK_VERSION__: string | undefined;
const VERSION = typeof __CLINICDESK_VERSION__ === 'string' ? __CLINICDESK_VERSION__ : 'dev';

/** The server's database as the configuration describes it (the server and every command alike). */
const openConfiguredDb = (config: ReturnType<typeof loadConfig>) =>
  openServerDb({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    preparedStatements: config.databasePreparedStatements,
  });

/** `create-admin <email>`: the first account, the service admin; prints its registration link. */
async function createAdmin(email: string | undefined, config: ReturnType<typeof loadConfig>): Promise<void> {
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ConfigError('usage: create-admin <email>');
  const database = await openConfiguredDb(config);
  const server = await buildServer({ ...config, logLevel: 'warn' }, database, VERSION);
  try {
    const invited = await server.accounts.invite({ email, role: 'service_admin', language: 'en' });
    if (!invited) throw new ConfigError(`${email} already has an account or a pending invitation`);
    const { link, appLink } = server.accounts.links(invited.token);
    console.log(
      `Service admin ${email} created. Registration link (single use, ${config.registrationLinkDays} days):\n  ${appLink}\n  ${link}`,
    );
  } finally {
    await server.close();
  }
}

/**
 * `copy-to-postgres --database-url=postgres://…`: copies this data folder's SQLite database into an empty
 * PostgreSQL database and verifies every table (row counts and checksums). The server is stopped meanwhile.
 */
async function copyCommand(config: ReturnType<typeof loadConfig>): Promise<void> {
  if (!config.databaseUrl) throw new ConfigError('usage: copy-to-postgres --database-url=postgres://…');
  const source = await openServerDb({ dataDir: config.dataDir });
  const target = await openConfiguredDb(config);
  try {
    const reports = await copyToPostgres(source, target);
    for (const r of reports)
      console.log(`  ${r.table.padEnd(20)} ${String(r.rows).padStart(8)} rows  ${r.checksum.slice(0, 16)}`);
    console.log(`Copied and verified ${reports.length} tables. Start the server with this databaseUrl.`);
  } catch (error) {
    if (error instanceof CopyError) throw new ConfigError(error.message);
    throw error;
  } finally {
    await source.close();
    await target.close();
  }
}

async function main(): Promise<void> {
  // The bundle lives in dist/server; the built renderer (guest page) beside it in dist/renderer.
  const webDir = join(dirname(process.argv[1] ?? '.'), '..', 'renderer');
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'create-admin') {
    const config = loadConfig(
      rest.filter((a) => a.startsWith('--')),
      process.env,
      webDir,
    );
    await createAdmin(
      rest.find((a) => !a.startsWith('--')),
      config,
    );
    return;
  }
  if (command?.startsWith('credits-') || command?.startsWith('voucher-') || command === 'subscription-source') {
    const config = loadConfig(
      rest.filter((a) => /^--(config|data-dir|database-url)=/.test(a)),
      process.env,
      webDir,
    );
    const database = await openConfiguredDb(config);
    try {
      const print = (line: string) => console.log(line);
      if (command.startsWith('credits-')) await runCreditCommand(command, rest, database, print);
      else await runBillingCommand(command, rest, database.db, print);
    } catch (error) {
      if (error instanceof CommandError) throw new ConfigError(error.message);
      throw error;
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'copy-to-postgres') {
    await copyCommand(loadConfig(rest, process.env, webDir));
    return;
  }
  const config = loadConfig(process.argv.slice(2), process.env, webDir);
  const database = await openConfiguredDb(config);
  const server = await buildServer(config, database, VERSION);
  await server.app.listen({ host: config.host, port: config.port });
  server.app.log.info({ dataDir: config.dataDir, publicUrl: config.publicUrl }, 'ClinicDesk server ready');
  if (process.platform === 'linux' && !asksHugePages(process.env))
    server.app.log.warn(
      "GLIBC_TUNABLES=glibc.malloc.hugetlb=1 is not set: every sign-in pays page faults for argon2id's memory, " +
        'often most of its time (README, "Sign-in"; `npm run server` and the systemd unit set it)',
    );

  // SIGTERM (systemd, a rolling restart): drain first, so the load balancer stops sending new connections
  // here and open sockets reconnect elsewhere; then close. A second signal stops at once.
  const stop = (): void => {
    process.once('SIGINT', () => process.exit(1));
    process.once('SIGTERM', () => process.exit(1));
    void server
      .drain()
      .then(() => server.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`ClinicDesk server: ${error instanceof ConfigError ? error.message : String(error)}`);
  process.exit(1);
});
