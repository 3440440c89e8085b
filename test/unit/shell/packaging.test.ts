/**
 * The installers' configuration (issue 14), checked the way electron-builder itself checks it: loaded by
 * its own config loader and validated against its own JSON schema (app-builder-lib), so a misspelt or
 * misplaced option fails here instead of on a release machine. Then what the shell relies on: the scheme
 * registered by every installer we ship, deb as the only Linux target, the macOS entitlements for camera
 * and microphone under the hardened runtime, the zip electron-updater needs, and a trimmed better-sqlite3.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// electron-builder's own loader and validator (a dependency of electron-builder, CommonJS).
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { ROOT } from '../../harness/testBridge';

const load = async () => getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);

describe('packaging (electron-builder.yml)', () => {
  it('passes electron-builder’s own schema', async () => {
    const config = await load();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The check itself refuses a misplaced option (the schema is really applied): hardenedRuntime is macOS's.
    const misplaced = { ...config, linux: { ...config.linux, hardenedRuntime: true } as typeof config.linux };
    await expect(validateConfiguration(misplaced, new DebugLogger(false))).rejects.toThrow(
      /Invalid configuration object[\s\S]*configuration\.linux/,
    );
  });

  it('registers clinicdesk:// in every installer, ships deb on Linux, and the zip the macOS updater needs', async () => {
    const config = await load();
    expect(config.protocols).toEqual([{ name: 'ClinicDesk', schemes: ['clinicdesk'] }]);
    expect(config.linux?.target).toEqual(['deb']);
    expect(config.mac?.target).toEqual(['dmg', 'zip']);
    expect(config.publish).toMatchObject({ provider: 'generic' });
    // NSIS: the included script writes and removes the per-user URL handler.
    const nsh = readFileSync(join(ROOT, String(config.nsis?.include)), 'utf8');
    expect(nsh).toMatch(/!macro customInstall[\s\S]*HKCU "Software\\Classes\\clinicdesk" "URL Protocol" ""/);
    expect(nsh).toMatch(/shell\\open\\command" "" '"\$INSTDIR\\\$\{APP_EXECUTABLE_FILENAME\}" "%1"'/);
    expect(nsh).toMatch(/!macro customUnInstall[\s\S]*DeleteRegKey HKCU "Software\\Classes\\clinicdesk"/);
    // deb: the desktop entry is matched to the window by the desktopName electron-builder syncs.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { desktopName?: string };
    expect(pkg.desktopName).toBe('clinicdesk.desktop');
    expect(config.linux?.syncDesktopName).toBe(true);
  });

  it('gives the hardened macOS app camera, microphone and JIT, with usage texts, and nothing more', async () => {
    const config = await load();
    expect(config.mac?.hardenedRuntime).toBe(true);
    const plist = readFileSync(join(ROOT, String(config.mac?.entitlements)), 'utf8');
    const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(granted.sort()).toEqual([
      'com.apple.security.cs.allow-jit',
      'com.apple.security.device.audio-input',
      'com.apple.security.device.camera',
    ]);
    expect(config.mac?.entitlementsInherit).toBe(config.mac?.entitlements);
    expect(config.mac?.extendInfo?.NSCameraUsageDescription).toMatch(/camera/);
    expect(config.mac?.extendInfo?.NSMicrophoneUsageDescription).toMatch(/microphone/);
  });

  it('keeps the SQLite sources and build objects out of the package, the binding in (unpacked)', async () => {
    const config = await load();
    // The loader normalises `files` into file sets with filters.
    const patterns = (config.files as (string | { filter?: string[] })[])
      .flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])))
      .filter((f) => f.includes('better-sqlite3'));
    expect(patterns.some((p) => p.startsWith('!') && p.includes('{deps,src'))).toBe(true);
    expect(patterns.every((p) => !/build\/Release\/\*\*|better_sqlite3\.node/.test(p))).toBe(true);
    expect(config.asarUnpack).toContain('node_modules/better-sqlite3/**');
  });
});
