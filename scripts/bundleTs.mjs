// Bundles a TypeScript entry for Node with the same bundler as the app (run-ts.mjs; the sync bench's
// device process): packages stay external; the bundle goes to .cache/run/<name>.mjs.
import { build } from 'esbuild';
import { basename } from 'node:path';

/** The bundle's path; `entry` is relative to the checkout at `root` (which ends with a slash). */
export async function bundleTs(entry, root) {
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
  return outfile;
}
