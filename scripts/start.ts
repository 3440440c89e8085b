/**
 * `npm start`: the server on its embedded SQLite default, then the Electron app pointed at it. Where the
 * Electron binary cannot be had, one clear line says so and what to do.
 */
import nodeVersion from './nodeVersion.cjs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { withHugePages } from '../server/hugePages.mjs';
import { findElectronBinary } from './electronBinary';
import { projectRoot } from './projectRoot';

nodeVersion.requireSupportedNode();
const ROOT = projectRoot();
const port = Number(process.env.CLINICDESK_PORT ?? 4780);
const serverUrl = `http://127.0.0.1:${port}`;

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${serverUrl}/api/health`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function startServer(): Promise<ChildProcess | null> {
  if (await healthy()) {
    console.log(`ClinicDesk: using the server already running at ${serverUrl}`);
    return null;
  }
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server', 'main.cjs'), `--port=${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withHugePages({ ...process.env, CLINICDESK_LOG_LEVEL: process.env.CLINICDESK_LOG_LEVEL ?? 'warn' }),
  });
  // The server's own words: shown as they come, and repeated if it fails to start.
  let output = '';
  const keep = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
    stream.write(chunk);
  };
  child.stdout?.on('data', keep(process.stdout));
  child.stderr?.on('data', keep(process.stderr));
  const failed = (why: string) =>
    new Error(`${why}${output.trim() ? `. It said:\n${output.trim()}` : ' without a word'}`);
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw failed(`the server exited with code ${child.exitCode}`);
    if (child.signalCode !== null) throw failed(`the server was ended by ${child.signalCode}`);
    if (await healthy()) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw failed(`the server did not answer at ${serverUrl} within 30 s`);
}

function electronBinary(): { path: string } | { path: null; reason: string } {
  const found = findElectronBinary(ROOT);
  if (found.path) return found;
  // Electron 45 downloads its binary on first launch; try once, quietly and briefly.
  spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron', 'install.js')], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  return findElectronBinary(ROOT);
}

async function main(): Promise<void> {
  const server = await startServer();
  const stopServer = () => server?.kill('SIGTERM');
  const electron = electronBinary();
  if (electron.path === null) {
    stopServer();
    console.error(
      `ClinicDesk: cannot start the desktop app — ${electron.reason}; connect to the internet and run \`npx install-electron\`, or set ELECTRON_OVERRIDE_DIST_PATH to an Electron 45 folder (\`npm run server\` runs the server alone).`,
    );
    process.exit(1);
  }
  const app = spawn(electron.path, [ROOT, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CLINICDESK_SERVER_URL: serverUrl },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.kill(signal));
  app.once('exit', (code) => {
    stopServer();
    process.exit(code ?? 0);
  });
}

main().catch((error: unknown) => {
  console.error(`ClinicDesk: cannot start — ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
