/**
 * argon2id's 64 MiB without a page fault per 4 KiB (server/hugePages.mjs): a process started with the
 * server's environment gets its hash memory in transparent huge pages. Counted, not timed: the kernel's
 * own count of minor page faults around a hash, in a real Node process with the real argon2 addon, with
 * and without the tunable. Skipped (with the reason) where the kernel has transparent huge pages off or
 * the C library is not glibc, where the tunable means nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/projectRoot';
import { asksHugePages, withHugePages } from '../../server/hugePages.mjs';

const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const thpMode = existsSync(THP) ? /\[(\w+)\]/.exec(readFileSync(THP, 'utf8'))?.[1] : undefined;
const glibc = Boolean(
  (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime,
);
const why =
  process.platform !== 'linux' || !glibc
    ? 'not Linux with glibc'
    : !thpMode || thpMode === 'never'
      ? `transparent huge pages are ${thpMode ?? 'missing'} in this kernel`
      : null;

/** Minor page faults per argon2id hash of 64 MiB, t=1, in a fresh Node process with this environment. */
function faultsPerHash(env: NodeJS.ProcessEnv): number {
  const script = `
    const argon2 = require('argon2');
    (async () => {
      const options = { type: argon2.argon2id, memoryCost: 65536, timeCost: 1, parallelism: 1 };
      await argon2.hash('warm-up', options);
      const before = process.resourceUsage().minorPageFault;
      for (let i = 0; i < 4; i += 1) await argon2.hash('Correct-Horse-7-Battery', options);
      console.log(JSON.stringify((process.resourceUsage().minorPageFault - before) / 4));
    })();`;
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: projectRoot(),
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return Number(JSON.parse(result.stdout));
}

describe('huge pages for argon2id', () => {
  it('adds the tunable once, keeping others and an explicit choice', () => {
    expect(withHugePages({}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
    );
    expect(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    expect(asksHugePages(withHugePages({ PATH: '/usr/bin' }))).toBe(true);
    expect(asksHugePages({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' })).toBe(false);
    expect(asksHugePages({})).toBe(false);
  });

  it.skipIf(why !== null)(
    `a hash faults its 64 MiB in 2 MiB pages, not 4 KiB ones${why ? ` (skipped: ${why})` : ''}`,
    () => {
      const { GLIBC_TUNABLES: _, ...plain } = process.env;
      // 64 MiB in 4 KiB pages is 16,384 faults; in 2 MiB pages 32 (plus the process's other faults).
      expect(faultsPerHash(withHugePages(plain))).toBeLessThan(16_384 / 8);
      // Where the kernel gives huge pages only when asked (madvise, Debian's default) the tunable is what
      // makes the difference; with "always" every process has them anyway.
      if (thpMode === 'madvise') expect(faultsPerHash(plain)).toBeGreaterThan(16_000);
    },
  );
});
