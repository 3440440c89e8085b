// argon2id asks malloc for 64 MiB on every hash. glibc hands a block that large out as a fresh mmap and
// unmaps it on free, so the kernel faults it in again, 16,384 pages of 4 KiB per sign-in: on this
// project's virtual machines that was 70–85 % of a sign-in's time (README, "Sign-in"), work that protects
// nothing (an attacker's hardware pays no page faults). glibc's tunable `glibc.malloc.hugetlb=1` makes
// malloc advise transparent huge pages (madvise) for such mappings: 2 MiB pages, 512× fewer faults.
// Tunables are read when a process starts, so whoever starts a server process sets it (the launchers in
// scripts/, the systemd unit, the test and benchmark harnesses). Harmless elsewhere: other C libraries
// ignore the variable, and where transparent huge pages are switched off the kernel ignores the advice.
// Plain JavaScript, so that the launchers can use it before anything is bundled.

const HUGETLB = 'glibc.malloc.hugetlb';

/** Whether a process with this environment has malloc advise huge pages. */
export function asksHugePages(env) {
  return tunables(env).some((tunable) => tunable === `${HUGETLB}=1` || tunable === `${HUGETLB}=2`);
}

/** The environment with the huge-page tunable added (others kept; an explicit choice of it kept too). */
export function withHugePages(env) {
  const list = tunables(env);
  if (list.some((tunable) => tunable.startsWith(`${HUGETLB}=`))) return env;
  return { ...env, GLIBC_TUNABLES: [...list, `${HUGETLB}=1`].join(':') };
}

function tunables(env) {
  return (env.GLIBC_TUNABLES ?? '').split(':').filter((tunable) => tunable.length > 0);
}
