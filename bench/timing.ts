import { performance } from 'node:perf_hooks';

/** The value at percentile `p` of ascending `sorted` (NaN for none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `run` `count` times, one after the other; the durations in ms, ascending. */
export async function timed(count: number, run: (index: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const start = performance.now();
    await run(index);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

/** Prints `name` with the p50 and p99 of ascending `times`, the name padded to `width`. */
export function printLatencies(name: string, times: number[], width = 44): void {
  console.log(`${name.padEnd(width)} p50 ${percentile(times, 50).toFixed(2).padStart(8)} ms   p99 ${percentile(times, 99).toFixed(2).padStart(8)} ms`);
}
