import { Histogram, MetricsRegistry } from '@herck/common';

export type SubgraphFetchDuration = Histogram<'subgraph' | 'outcome'>;

/**
 * `herck_subgraph_fetch_duration_seconds{subgraph, outcome}`: each fetch the
 * gateway makes to a subgraph, from sending it to having its parsed answer.
 * `outcome` is "ok", "error" (the subgraph answered with GraphQL errors),
 * "failed" (no usable answer: network failure, HTTP error status, bad body),
 * "abandoned" (a read given up: its client went away) or "reused" (a public
 * answer reused: no request was sent).
 */
export function subgraphFetchDuration(metrics: MetricsRegistry): SubgraphFetchDuration {
  return metrics.histogram({
    name: 'herck_subgraph_fetch_duration_seconds',
    help: 'Fetches from the gateway to a subgraph, by subgraph and outcome.',
    labelNames: ['subgraph', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}
