// Builds everything `npm start`, `npm run server`, the tests and electron-builder need, into dist/:
// the renderer with Vite (app + guest page), main, preload, server and the test bridge with esbuild.
import './requireNode.mjs';
import { build as esbuild } from 'esbuild';
import { readFileSync } from 'node:fs';
import { build as viteBuild } from 'vite';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = { __CLINICDESK_VERSION__: JSON.stringify(version) };
const started = Date.now();

const node = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  define,
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  viteBuild({ configFile: `${root}vite.config.ts`, logLevel: 'warn' }),
  // Main and server keep their npm dependencies in node_modules (native better-sqlite3 among them).
  esbuild({ ...node, entryPoints: ['src-main/shell/main.ts'], outfile: 'dist/main/main.cjs', packages: 'external' }),
  // The core (database included) runs in a worker thread so the main process never waits on it.
  esbuild({
    ...node,
    entryPoints: ['src-main/core/worker/coreWorker.ts'],
    outfile: 'dist/main/coreWorker.cjs',
    packages: 'external',
  }),
  esbuild({ ...node, entryPoints: ['server/main.ts'], outfile: 'dist/server/main.cjs', packages: 'external' }),
  // A sandboxed preload can require only 'electron': everything else is bundled in.
  esbuild({
    ...node,
    entryPoints: ['src-preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
    external: ['electron'],
  }),
  // The test bridge's init script: the same API builder as the preload, over a Playwright binding.
  esbuild({
    ...node,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: ['test/harness/bridgeInit.ts'],
    outfile: 'dist/test-bridge/init.js',
  }),
]);

console.log(`build: dist/ ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
