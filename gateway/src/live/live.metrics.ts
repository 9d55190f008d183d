import { Counter, Histogram, MetricsRegistry } from '@herck/common';
import { LiveStats } from './live-endpoint';

/** The metrics `status` reads its subscription figures from (liveFiguresOf). */
const CONNECTIONS = 'herck_ws_connections';
const SUBSCRIPTIONS = 'herck_ws_subscriptions';
const DROPPED_EVENTS = 'herck_ws_dropped_events_total';

/**
 * The graphql-ws endpoint's figures, read from its `stats()` at each scrape:
 * connections, subscriptions (of clients, shared, upstream), queued events,
 * and the events dropped or conflated for slow clients since start.
 */
export function registerLiveMetrics(metrics: MetricsRegistry, stats: () => LiveStats): void {
  const gauges: [string, string, (current: LiveStats) => number][] = [
    [CONNECTIONS, 'Open graphql-ws client connections.', (current) => current.connections],
    [SUBSCRIPTIONS, 'Subscriptions open by clients, over every connection.', (current) => current.clientSubscriptions],
    ['herck_ws_shared_subscriptions', 'Distinct shared subscriptions (each serves one or more client subscriptions).', (current) => current.sharedSubscriptions],
    ['herck_ws_upstream_subscriptions', 'Subscriptions the gateway holds open at the subgraphs.', (current) => current.upstreamSubscriptions],
    ['herck_ws_queued_events', 'Events queued unsent to slow clients, over every connection.', (current) => current.queuedEvents],
  ];
  for (const [name, help, read] of gauges) metrics.registerGauge(name, help, () => read(stats()));
  // The endpoint keeps running totals; each scrape shows them as counters.
  const totals: [string, string, (current: LiveStats) => number][] = [
    [DROPPED_EVENTS, 'Events given up because a client did not read fast enough (conflated ones included).', (current) => current.droppedEvents],
    ['herck_ws_conflated_events_total', 'Of the dropped events, ticks replaced by a newer one of the same subscription.', (current) => current.conflatedEvents],
  ];
  for (const [name, help, read] of totals) {
    const counter: Counter = metrics.counter({
      name,
      help,
      collect: () => {
        counter.reset();
        counter.inc(read(stats()));
      },
    });
  }
}

export type EventDeliveryDuration = Histogram<'subgraph'>;

/**
 * `herck_ws_event_delivery_seconds{subgraph}`: each event of a shared
 * subscription, from its turn to run (its query plan, fetching what other
 * subgraphs add) to its message being handed to every subscribed socket (or
 * queued for a slow one). What the gateway adds to a live event's latency,
 * by the subgraph the subscription is to.
 */
export function eventDeliveryDuration(metrics: MetricsRegistry): EventDeliveryDuration {
  return metrics.histogram({
    name: 'herck_ws_event_delivery_seconds',
    help: 'Events of shared subscriptions, from running their query plan to writing them to every subscribed socket.',
    labelNames: ['subgraph'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
}

/** What `status` tells of subscriptions, as `registerLiveMetrics` exposes it. */
export interface LiveFigures {
  connections: number;
  active: number;
  droppedEvents: number;
}

/** `status`'s subscription figures read from metrics in prom-client's JSON, such as every gateway worker's added up. */
export function liveFiguresOf(samples: object[]): LiveFigures {
  const total = (name: string) =>
    (samples as { name: string; values?: { value: number }[] }[]).filter((metric) => metric.name === name).reduce((sum, metric) => sum + (metric.values ?? []).reduce((of, sample) => of + sample.value, 0), 0);
  return { connections: total(CONNECTIONS), active: total(SUBSCRIPTIONS), droppedEvents: total(DROPPED_EVENTS) };
}
