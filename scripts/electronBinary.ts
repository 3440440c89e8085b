/**
 * Finds the Electron binary without triggering Electron 45's download-on-first-require (which would hang
 * or throw on an offline machine). Returns the path, or null with the reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type ElectronLookup = { path: string } | { path: null; reason: string };

export function findElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env): ElectronLookup {
  const pkg = resolve(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const candidate = join(
      env.ELECTRON_OVERRIDE_DIST_PATH,
      relative ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'),
    );
    return existsSync(candidate)
      ? { path: candidate }
      : { path: null, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${candidate}` };
  }
  if (!existsSync(pkg)) return { path: null, reason: 'the electron package is not installed (run npm ci)' };
  if (!relative)
    return {
      path: null,
      reason: 'the Electron binary has not been downloaded yet (Electron 45 fetches it on first launch)',
    };
  const binary = join(pkg, 'dist', relative);
  return existsSync(binary) ? { path: binary } : { path: null, reason: `the Electron binary is missing at ${binary}` };
}
