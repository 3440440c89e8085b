/** `npm run server`: loads the configuration, opens the database and listens. */
import { dirname, join } from 'node:path';
import { buildServer } from './app';
import { ConfigError, loadConfig } from './config';
import { openServerDb } from './db/database';

declare const __CLINICDESK_VERSION__: string | undefined;
const VERSION = typeof __CLINICDESK_VERSION__ === 'string' ? __CLINICDESK_VERSION__ : 'dev';

async function main(): Promise<void> {
  // The bundle lives in dist/server; the built renderer (guest page) beside it in dist/renderer.
  const webDir = join(dirname(process.argv[1] ?? '.'), '..', 'renderer');
  const config = loadConfig(process.argv.slice(2), process.env, webDir);
  const database = await openServerDb(config.dataDir);
  const server = await buildServer(config, database, VERSION);
  await server.app.listen({ host: config.host, port: config.port });
  server.app.log.info({ dataDir: config.dataDir, publicUrl: config.publicUrl }, 'ClinicDesk server ready');

  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`ClinicDesk server: ${error instanceof ConfigError ? error.message : String(error)}`);
  process.exit(1);
});
