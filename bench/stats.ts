/** Timing helpers for the benchmarks: percentiles over repeated runs, printed as one line each. */
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
