/** Timing helpers for the benchmarks: percentiles over repeated runs, printed as one line each. */
import os from 'node:os';
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

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
