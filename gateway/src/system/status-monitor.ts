import { BusConsumerStatus, InternalTokenSigner, Logger } from '@herck/common';
import { BusConsumers } from './bus-consumers';
import { probeSubgraph, SubgraphProbe } from './subgraph-probe';

/** Every subgraph at one probe. */
export interface StatusReport {
  checkedAt: Date;
  /** In the order the gateway's configuration names them. */
  services: SubgraphProbe[];
  /** Every event consumer seen since the gateway started, also one that no longer answers. */
  bus: BusConsumerStatus[];
  /** Every subgraph was ready. */
  healthy: boolean;
}

/**
 * Probes every subgraph on a fixed interval and keeps the latest results:
 * `status` answers from them, so however often it is asked, the subgraphs
 * see one probe per interval. Each probe writes one 'service status' entry per
 * subgraph to `records`, the entries the logs subgraph keeps as status history.
 */
export class StatusMonitor {
  private latest: StatusReport | null = null;
  private readonly consumers = new BusConsumers();
  private running: Promise<StatusReport> | null = null;
  private timer?: NodeJS.Timeout;
  /** Aborts the probe under way when the gateway stops: shutdown does not wait for a slow subgraph. */
  private readonly stopping = new AbortController();

  constructor(
    /** Subgraph name → its GraphQL URL. */
    private readonly subgraphs: Record<string, string>,
    private readonly signer: InternalTokenSigner,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    /** Where the status samples go: records, not diagnostics, so not subject to LOG_LEVEL where logs are shipped. */
    private readonly records: Logger = logger,
  ) {}

  /** Probes now, then every interval. */
  start(): void {
    void this.probe().catch((error: unknown) => this.logger.error('status probe failed', { error }));
  }

  /** The latest probe's results; before the first one, waits for it (callers meanwhile share it). */
  current(): Promise<StatusReport> {
    return this.latest ? Promise.resolve(this.latest) : this.probe();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private probe(): Promise<StatusReport> {
    this.running ??= this.probeAll().finally(() => {
      this.running = null;
      this.schedule();
    });
    return this.running;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => void this.probe().catch((error: unknown) => this.logger.error('status probe failed', { error })), this.intervalMs);
    this.timer.unref();
  }

  private async probeAll(): Promise<StatusReport> {
    // A subgraph gets 5 s to answer, or one interval when that is shorter (but at least a second).
    const timeoutMs = Math.max(1_000, Math.min(this.intervalMs, 5_000));
    const services = await Promise.all(Object.entries(this.subgraphs).map(([name, url]) => probeSubgraph(name, url, this.signer, timeoutMs, this.stopping.signal)));
    const bus = this.consumers.update(services.flatMap((service) => (service.bus ? [service.bus] : [])));
    const report = { checkedAt: new Date(), services, bus, healthy: services.every((service) => service.ready) };
    // Cut short by shutdown: what it found says nothing about the subgraphs.
    if (this.stopping.signal.aborted) return report;
    for (const { name, healthy, ready, version, latencyMs, lastError } of services) {
      this.records.info('service status', { target: name, healthy, ready, version, latencyMs, lastError });
    }
    this.latest = report;
    return report;
  }
}
