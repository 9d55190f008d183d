import { findSamples, parsePrometheusText, sampleValue } from '@herck/common';

/** One histogram of a service's `/metrics` as scraped: its count, its sum (s) and its cumulative buckets. */
export interface ScrapedHistogram {
  count: number;
  sum: number;
  /** [upper bound in seconds, observations at or below it], lowest bound first. */
  buckets: [number, number][];
}

/** Scrapes `name` (with `labels`) from the `/metrics` beside a service's `/graphql`. */
export async function scrapeHistogram(graphqlUrl: string, name: string, labels: Record<string, string> = {}): Promise<ScrapedHistogram> {
  const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'));
  if (!response.ok) throw new Error(`GET /metrics of ${graphqlUrl}: HTTP ${response.status}`);
  const samples = parsePrometheusText(await response.text());
  const buckets = findSamples(samples, `${name}_bucket`, labels)
    .map((sample): [number, number] => [sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le), sample.value])
    .sort((a, b) => a[0] - b[0]);
  return { count: sampleValue(samples, `${name}_count`, labels) ?? 0, sum: sampleValue(samples, `${name}_sum`, labels) ?? 0, buckets };
}

/**
 * What was observed between two scrapes: how many, their mean, and the
 * smallest bucket bound that 99 % of them fell at or below (a histogram
 * knows no more than its bounds).
 */
export function describeBetween(before: ScrapedHistogram, after: ScrapedHistogram): string {
  const count = after.count - before.count;
  if (count <= 0) return 'nothing observed';
  const mean = ((after.sum - before.sum) / count) * 1000;
  const earlier = new Map(before.buckets);
  const p99 = after.buckets.find(([bound, observed]) => observed - (earlier.get(bound) ?? 0) >= 0.99 * count)?.[0] ?? Infinity;
  return `mean ${mean.toFixed(1)} ms, p99 ≤ ${Number.isFinite(p99) ? `${p99 * 1000} ms` : 'its largest bucket'} (${count} observed)`;
}
