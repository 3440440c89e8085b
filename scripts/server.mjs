// `npm run server`: the built server in a process of its own, started with the environment it needs
// (huge pages for argon2id's memory, server/hugePages.mjs). Signals go on to it, so Ctrl+C and SIGTERM
// still drain it gracefully; its exit code is this one's.
import './requireNode.mjs';
import { spawn } from 'node:child_process';
import { withHugePages } from '../server/hugePages.mjs';

const main = new URL('../dist/server/main.cjs', import.meta.url).pathname;
const child = spawn(process.execPath, [main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: withHugePages(process.env),
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
