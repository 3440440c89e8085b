/** Timing helpers for the benchmarks: percentiles over repeated runs, printed as one line each. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Profile } from '../server/accounts/accountService';
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export async function measure(runs: number, fn: (i: number) => unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

export function report(name: string, sorted: readonly number[]): void {
  console.log(
    `${name.padEnd(52)} n=${String(sorted.length).padEnd(6)} p50 ${fmt(percentile(sorted, 50)).padEnd(10)} p99 ${fmt(percentile(sorted, 99)).padEnd(10)} max ${fmt(sorted.at(-1) ?? Number.NaN)}`,
  );
}

/**
 * Each benchmark's measurement runs this many times after its set-up, and the median run is reported
 * (issue 13): on a shared machine one run can land in a slow minute.
 */
export const RUNS = 3;

/** The median run by `key` (the middle of an odd number of runs). */
export function medianRun<T>(runs: readonly T[], key: (run: T) => number): T {
  return [...runs].sort((a, b) => key(a) - key(b))[Math.floor(runs.length / 2)]!;
}

/** "runs: a, b, c" in the order they ran, for the README's run columns. */
export const eachRun = <T>(runs: readonly T[], figure: (run: T) => string): string =>
  `runs: ${runs.map(figure).join(', ')}`;

/**
 * The CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat: its utime and
 * stime in clock ticks of 1/100 s (Linux's USER_HZ). After the name, which ends in ") ", they are the 12th
 * and 13th fields (14 and 15 of proc(5)).
 */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A run with the CPU time its server processes spent per unit of its work (µs, from /proc): what each
 * signal costs the servers, beside the latency, which also holds the clients' share of the cores.
 */
export async function cpuPerUnit<T>(
  pids: readonly number[],
  run: () => Promise<T>,
  units: (result: T) => number,
): Promise<{ result: T; cpu: number }> {
  const spent = () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const before = spent();
  const result = await run();
  return { result, cpu: ((spent() - before) * 1e6) / units(result) };
}

/** A registered, licensed account's profile as the account service gives it, for benchmarks that seed rows. */
export const activeProfile = (
  account: Pick<Profile, 'id' | 'email' | 'name' | 'username' | 'organisationId'> & Partial<Pick<Profile, 'role'>>,
): Profile => ({
  role: 'member',
  status: 'active',
  language: 'en',
  phone: null,
  twoFactor: false,
  registered: true,
  licence: true,
  pendingSteps: [],
  searchable: false,
  ...account,
});

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One run of a measurement beside its baseline, both sorted samples in ms. */
export interface PairedRun {
  product: readonly number[];
  baseline: readonly number[];
}

/**
 * Prints the median run (by the product's p99) of a measurement and its same-run baseline, their ratio at
 * p50 and p99, and each run's p99s in the order they ran.
 */
export function reportAgainst(name: string, baselineName: string, runs: readonly PairedRun[]): void {
  const p99 = (xs: readonly number[]) => percentile(xs, 99);
  const median = medianRun(runs, (run) => p99(run.product));
  report(`${name} (median run)`, median.product);
  report(`  baseline: ${baselineName}`, median.baseline);
  const ratio = (q: number) => (percentile(median.product, q) / percentile(median.baseline, q)).toFixed(2);
  console.log(
    `  ratio p50 ${ratio(50)}×, p99 ${ratio(99)}×; ` +
      eachRun(runs, (run) => `p99 ${fmt(p99(run.product))} / ${fmt(p99(run.baseline))}`),
  );
}
