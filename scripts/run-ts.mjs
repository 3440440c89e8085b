// Runs a TypeScript script (benchmarks, screenshots, start) with the same bundler as the app:
// node scripts/run-ts.mjs <file.ts> [args...]
import './requireNode.mjs';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const outfile = `${root}.cache/run/${basename(entry).replace(/\.tsx?$/, '')}.mjs`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  sourcemap: 'inline',
  absWorkingDir: root,
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
