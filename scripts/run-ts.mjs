// Runs a TypeScript script (benchmarks, screenshots, start) with the same bundler as the app:
// node scripts/run-ts.mjs <file.ts> [args...]
import './requireNode.mjs';
import { spawnSync } from 'node:child_process';
import { withHugePages } from '../server/hugePages.mjs';
import { bundleTs } from './bundleTs.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const outfile = await bundleTs(entry, new URL('..', import.meta.url).pathname);
// With the server's environment: benchmarks measure argon2id as a deployed server runs it (server/hugePages.mjs).
const result = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], {
  stdio: 'inherit',
  env: withHugePages(process.env),
});
process.exit(result.status ?? 1);
