import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';

export type { Counter, Gauge, Histogram } from 'prom-client';

type Own<T> = Omit<T, 'registers'>;

/**
 * One service's metrics, in Prometheus' text format. Each service instance has
 * its own prom-client `Registry` (never prom-client's global one: tests run
 * several services in one Node process), and every sample it exposes carries
 * the label `service`.
 *
 * The process's own figures (CPU, memory, GC, event-loop lag:
 * `nodejs_eventloop_lag_seconds`, …) describe the process, not the service, so
 * they are collected once per process and shown by every registry of it: each
 * `collectDefaultMetrics` call starts an event-loop delay monitor and a GC
 * observer that can never be stopped, which must not pile up with every
 * service a test starts.
 */
export class MetricsRegistry {
  /** This service's own metrics, for what the helpers below do not cover. */
  readonly registry = new Registry();

  constructor(readonly service?: string) {}

  counter<T extends string>(config: Own<CounterConfiguration<T>>): Counter<T> {
    return new Counter<T>({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: Own<GaugeConfiguration<T>>): Gauge<T> {
    return new Gauge<T>({ ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: Own<HistogramConfiguration<T>>): Histogram<T> {
    return new Histogram<T>({ ...config, registers: [this.registry] });
  }

  /** A gauge without labels whose value `read` gives at each scrape (e.g. a queue's length). */
  registerGauge(name: string, help: string, read: () => number | Promise<number>): Gauge {
    const gauge: Gauge = this.gauge({ name, help, collect: async () => gauge.set(await read()) });
    return gauge;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric of this service and of its process, in the exposition format. */
  async exposition(): Promise<string> {
    return this.withProcess().metrics();
  }

  /** The same metrics as prom-client's JSON (`getMetricsAsJSON`), for `aggregateSamples`. */
  async samples(): Promise<object[]> {
    return this.withProcess().getMetricsAsJSON();
  }

  private withProcess(): Registry {
    const merged = Registry.merge([processMetrics(), this.registry]);
    if (this.service) merged.setDefaultLabels({ service: this.service });
    return merged;
  }
}

let shared: Registry | undefined;

function processMetrics(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}

/**
 * Several processes' `samples()` as one exposition (prom-client's cluster aggregation): counters,
 * histograms and most gauges summed, event-loop lag averaged, process start times left out.
 */
export async function aggregateSamples(perProcess: object[][]): Promise<string> {
  return AggregatorRegistry.aggregate(perProcess).metrics();
}

/** The same aggregation as prom-client's JSON (`getMetricsAsJSON`): for reading figures, not exposing them. */
export async function aggregateSamplesAsJson(perProcess: object[][]): Promise<object[]> {
  return AggregatorRegistry.aggregate(perProcess).getMetricsAsJSON();
}
