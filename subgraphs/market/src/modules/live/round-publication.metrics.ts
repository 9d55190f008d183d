import { Histogram, MetricsRegistry } from '@herck/common';

export type RoundPublicationDelay = Histogram;

/**
 * `herck_market_round_published_seconds`: each round, from its time (the
 * boundary its ingestion began at) to its ticks being published to this
 * replica's subscribers: the providers asked, the round stored and committed
 * (on a standby, announced and read). What market adds to a live tick's
 * latency before the gateway sees it.
 */
export function roundPublicationDelay(metrics: MetricsRegistry): RoundPublicationDelay {
  return metrics.histogram({
    name: 'herck_market_round_published_seconds',
    help: "Rounds, from their boundary to their ticks' publication to this replica's subscribers.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
}
