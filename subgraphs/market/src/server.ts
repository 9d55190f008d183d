import { AdvisoryLease, Logger, MARKET_CANDLE, MARKET_FX, MARKET_TICK, RunningSubgraph, startSubgraph } from '@herck/common';
import { createMarketContext } from './context';
import { MarketConfig } from './env';
import { AssetResolver } from './modules/asset/asset.resolver';
import { AssetService } from './modules/asset/asset.service';
import { candleEventRetention } from './modules/candle/candle-event-retention';
import { CandleImportService } from './modules/candle/candle-import.service';
import { CandleResolver, MARKET_BODY_LIMIT } from './modules/candle/candle.resolver';
import { FxRateResolver } from './modules/fx/fx-rate.resolver';
import { GlobalMetricsResolver } from './modules/global/global-metrics.resolver';
import { HistoryRepository } from './modules/history/history.repository';
import { Clock, systemClock } from './modules/ingestion/clock';
import { IngestionRunner } from './modules/ingestion/ingestion-runner';
import { IngestionService } from './modules/ingestion/ingestion.service';
import { LiveFeed } from './modules/live/live-feed';
import { LiveResolver } from './modules/live/live.resolver';
import { roundPublicationDelay } from './modules/live/round-publication.metrics';
import { fallbackFx } from './modules/provider/fallback-fx';
import { MarketProvider } from './modules/provider/market-provider';
import { createProviders } from './modules/provider/provider-registry';
import { ProviderResolver } from './modules/provider/provider.resolver';
import { ProviderStates } from './modules/provider/provider-states';
import { MarketSnapshotResolver } from './modules/snapshot/market-snapshot.resolver';
import { roundCachePlugin } from './modules/snapshot/round-cache.plugin';
import { RoundListener } from './modules/snapshot/round-listener';
import { SnapshotStore } from './modules/snapshot/snapshot-store';
import { deleteOldTicks } from './modules/tick/tick-retention';
import { TickResolver } from './modules/tick/tick.resolver';
import { buildMarketSchema } from './schema';
import { marketStore } from './store';

export interface MarketServiceOverrides {
  /** Replaces the configured providers (tests). */
  providers?: MarketProvider[];
  /** Replaces the system clock of the round schedule, and of what has ended for `Candle.closed` and imports (tests). */
  clock?: Clock;
}

export interface RunningMarket extends RunningSubgraph {
  snapshot: SnapshotStore;
  /** Whether this replica holds the ingestion lock (one replica ingests; the others stand by). */
  ingesting(): boolean;
}

/**
 * Builds the market subgraph: the latest round loaded into memory before it
 * reports ready, rounds on a drift-free schedule on the replica holding the
 * ingestion lock, queries over the stored history, and subscriptions.
 */
export async function startMarketService(config: MarketConfig, logger: Logger, overrides: MarketServiceOverrides = {}): Promise<RunningMarket> {
  const snapshot = new SnapshotStore();
  const live = new LiveFeed();
  // Bound at start, before the first request: an asset's announcement is on the bus before the answer.
  let relayEvents = async (): Promise<void> => undefined;
  const assets = new AssetService(() => relayEvents());
  const providerStates = new ProviderStates(config.providers, config.intervalSeconds);
  const providers = overrides.providers ?? createProviders({ names: config.providers, seed: config.seed, timeoutMs: config.providerTimeoutMs, coinmarketcap: config.coinmarketcap, coingecko: config.coingecko, binance: config.binance, frankfurter: config.frankfurter });
  let runner: IngestionRunner | undefined;
  let listener: RoundListener | undefined;

  const subgraph = await startSubgraph(config, logger, {
    ...marketStore,
    subscriptions: true,
    bodyLimit: MARKET_BODY_LIMIT,
    buildSchema: () =>
      buildMarketSchema(
        new Map<Function, object>([
          [AssetResolver, new AssetResolver(assets, snapshot)],
          [TickResolver, new TickResolver(snapshot)],
          [GlobalMetricsResolver, new GlobalMetricsResolver(snapshot)],
          [CandleResolver, new CandleResolver(new CandleImportService(() => (overrides.clock ?? systemClock).now()))],
          [MarketSnapshotResolver, new MarketSnapshotResolver(snapshot)],
          [FxRateResolver, new FxRateResolver(snapshot)],
          [ProviderResolver, new ProviderResolver(providerStates)],
          [LiveResolver, new LiveResolver()],
        ]),
      ),
    createContext: (base) => createMarketContext(base, live, () => (overrides.clock ?? systemClock).now()),
    plugins: [roundCachePlugin(snapshot, config.intervalSeconds, () => (overrides.clock ?? systemClock).now())],
    async onStart(runtime) {
      relayEvents = runtime.relayEvents;
      live.timePublications(roundPublicationDelay(runtime.metrics), () => (overrides.clock ?? systemClock).now());
      const em = runtime.orm.em.fork();
      await assets.seed(em, config.symbols);
      await providerStates.register(em);
      // Ready only once the latest round is in memory: marketSnapshot never reads the database.
      const history = new HistoryRepository(em);
      const latest = await history.round();
      if (latest) snapshot.update(latest, await history.assetsOf(latest));
      listener = new RoundListener(config.databaseUrl, runtime.orm, snapshot, live, logger, () => runner?.ingesting ?? false);
      await listener.start();
      if (!config.ingest) return;
      const simulatedFx = fallbackFx(providers, config.seed);
      if (simulatedFx) logger.info('no market provider listed gives FX rates; the simulated rates are used', { providers: providers.map((provider) => provider.name), seed: config.seed });
      const service = new IngestionService(runtime, providers, providerStates, config, snapshot, live, simulatedFx);
      runner = new IngestionRunner(runtime.orm, service, new AdvisoryLease(config.databaseUrl, 'herck:market:ingestion', 'ingests market data', logger), logger, config.intervalSeconds, overrides.clock);
      runner.start();
    },
    async onStop() {
      await runner?.stop();
      await listener?.stop();
    },
    housekeeping: async (runtime) => void (await deleteOldTicks(runtime.orm.em.fork(), config.tickRetentionDays, logger)),
    // Market's announcements carry data market itself keeps: the bus need not keep them for good.
    busRetention: { types: [MARKET_TICK, MARKET_FX, MARKET_CANDLE], days: config.eventRetentionDays, longer: candleEventRetention() },
    // The latest round comes from memory; missed rounds are the recorded gaps (their key is the round time).
    status: async (runtime) => {
      const [{ gaps }] = await runtime.orm.em
        .fork()
        .execute<{ gaps: number }[]>("SELECT count(*)::int AS gaps FROM ingestion_gaps WHERE round_time > now() - interval '1 hour'");
      return { ingestion: { lastRoundAt: snapshot.time?.toISOString() ?? null, gapsLastHour: gaps } };
    },
  });
  return { ...subgraph, snapshot, ingesting: () => runner?.ingesting ?? false };
}
