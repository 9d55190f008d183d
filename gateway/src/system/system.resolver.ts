import { FieldResolver, Query, Resolver } from 'type-graphql';
import { LiveFigures } from '../live/live.metrics';
import { StatusMonitor } from './status-monitor';
import { LiveStatus, SystemStatus } from './system-status.type';

/** `status`: answered from the monitor's latest probe, never by probing on request. */
@Resolver(() => SystemStatus)
export class SystemResolver {
  constructor(
    private readonly monitor: StatusMonitor,
    /** The live endpoint's figures (every worker's, with GATEWAY_WORKERS); null before it runs. */
    private readonly live: () => Promise<LiveFigures | null>,
  ) {}

  @Query(() => SystemStatus, { description: 'Whether every subgraph is up (anyone); each service, the bus, ingestion and subscriptions (admins)' })
  async status(): Promise<Omit<SystemStatus, 'subscriptions'>> {
    const report = await this.monitor.current();
    const market = report.services.find((service) => service.ingestion);
    return {
      healthy: report.healthy,
      checkedAt: report.checkedAt,
      services: report.services.map(({ name, url, healthy, ready, version, latencyMs, lastError }) => ({ name, url, healthy, ready, version, latencyMs, lastError })),
      bus: report.bus.map(({ consumer, lag, deadLetters, recentDeadLetters = [] }) => ({
        consumer,
        lag,
        deadLetters,
        recentDeadLetters: recentDeadLetters.map((letter) => ({ ...letter, failedAt: new Date(letter.failedAt) })),
      })),
      ingestion: market?.ingestion ? { lastRoundAt: market.ingestion.lastRoundAt ? new Date(market.ingestion.lastRoundAt) : null, gapsLastHour: market.ingestion.gapsLastHour } : null,
    };
  }

  /**
   * Asked for only when selected (admins): with GATEWAY_WORKERS the figures are every worker's metrics,
   * gathered through the supervisor, which anyone's `status { healthy }` must not wait for nor cost.
   */
  @FieldResolver(() => LiveStatus, { nullable: true })
  subscriptions(): Promise<LiveFigures | null> {
    return this.live();
  }
}
