import { AdvisoryLease, createMailer, Logger, Mailer, RunningSubgraph, startSubgraph } from '@herck/common';
import { createAnalysisContext } from './context';
import { AnalysisConfig } from './env';
import { accountEventHandlers } from './modules/account/account-events.handler';
import { AlertResolver } from './modules/alert/alert.resolver';
import { deleteAlertsOlderThan } from './modules/alert/alert-retention';
import { AnalysisListener } from './modules/alert/analysis-listener';
import { LiveAlerts } from './modules/alert/live-alerts';
import { BacktestResolver } from './modules/backtest/backtest.resolver';
import { Backtester } from './modules/backtest/backtester';
import { CandleStore } from './modules/candle/candle-store';
import { TickStore } from './modules/candle/tick-store';
import { DeliveryResolver } from './modules/delivery/delivery.resolver';
import { DeliveryWorker } from './modules/delivery/delivery-worker';
import { AlertBudget } from './modules/evaluation/alert-budget';
import { EngineLoader } from './modules/evaluation/engine-loader';
import { marketEventHandlers } from './modules/evaluation/market-events.handler';
import { EvaluationPool } from './modules/evaluation/evaluation-pool';
import { Evaluator } from './modules/evaluation/evaluator';
import { HistoryLoader, StrategyEngine } from './modules/evaluation/strategy-engine';
import { NotificationResolver } from './modules/notification/notification.resolver';
import { PortfolioCalculator } from './modules/portfolio/calculation/portfolio-calculator';
import { ordersEventHandlers } from './modules/portfolio/orders-events.handler';
import { PortfolioResolver } from './modules/portfolio/portfolio.resolver';
import { PortfolioService } from './modules/portfolio/portfolio.service';
import { StrategyResolver } from './modules/strategy/strategy.resolver';
import { StrategyService } from './modules/strategy/strategy.service';
import { buildAnalysisSchema } from './schema';
import { analysisStore } from './store';

export interface AnalysisServiceOverrides {
  mailer?: Mailer;
  /** The clock deciding whether a closed candle is recent enough to alert on (tests). */
  now?: () => number;
}

export interface RunningAnalysis extends RunningSubgraph {
  engine: Evaluator;
  /** The API's backtests (what runs and waits, for tests and diagnostics). */
  backtester: Backtester;
  /** Portfolio figures (how many were calculated, for tests and diagnostics). */
  calculator: PortfolioCalculator;
  /** Whether this replica holds the evaluation lease (one replica evaluates; the others stand by). */
  evaluating(): boolean;
}

/**
 * Builds the analysis subgraph: strategies in memory, evaluated on every
 * market tick and candle close from the bus; alerts stored, then published
 * to subscribers and delivered in-app, by mail and by signed webhook.
 */
export async function startAnalysisService(config: AnalysisConfig, logger: Logger, overrides: AnalysisServiceOverrides = {}): Promise<RunningAnalysis> {
  const mailer = overrides.mailer ?? createMailer(config.mail, logger);
  const liveAlerts = new LiveAlerts();
  // Bound to the bus consumer once the engine is loaded (onStart); until then nothing is applied anyway.
  let catchUpEvents = async (): Promise<void> => undefined;
  const strategies = new StrategyService({ perAccount: config.strategiesPerAccount, production: config.production, allowPrivate: config.webhookAllowPrivate }, () => catchUpEvents());
  let loader: EngineLoader | undefined;
  let listener: AnalysisListener | undefined;
  let deliveries: DeliveryWorker | undefined;
  // The engine loads history through the ORM once the store is open (onStart).
  let loadHistory: HistoryLoader = async () => [];
  const history: HistoryLoader = (symbol, interval, count) => loadHistory(symbol, interval, count);
  // A worker thread that goes takes its strategies with it: all are read again before the next batch.
  const engine: Evaluator = config.workers > 0 ? new EvaluationPool(config.workers, history, () => loader?.markStale()) : new StrategyEngine(history, overrides.now);
  const calculator = new PortfolioCalculator(config.portfolioThreads);
  const backtester = new Backtester(config.backtestThreads, config.backtestWorkPerAccount);
  const lease = new AdvisoryLease(config.databaseUrl, 'herck:analysis:evaluation', 'evaluates strategies', logger);

  const subgraph = await startSubgraph(config, logger, {
    ...analysisStore,
    subscriptions: true,
    buildSchema: () =>
      buildAnalysisSchema(
        new Map<Function, object>([
          [StrategyResolver, new StrategyResolver(strategies)],
          [AlertResolver, new AlertResolver()],
          [NotificationResolver, new NotificationResolver()],
          [DeliveryResolver, new DeliveryResolver(strategies)],
          [BacktestResolver, new BacktestResolver(strategies, config.userBacktestDays, backtester)],
          [PortfolioResolver, new PortfolioResolver(new PortfolioService(config.portfoliosPerAccount, calculator), calculator)],
        ]),
      ),
    createContext: (base) => createAnalysisContext(base, liveAlerts),
    housekeeping: async (runtime) => {
      const deleted = await TickStore.deleteOlderThan(runtime.orm.em.fork(), new Date(Date.now() - config.tickRetentionDays * 86_400_000));
      if (deleted) logger.info('old ticks deleted', { rows: deleted });
      if (config.alertRetentionDays > 0) {
        const alerts = await deleteAlertsOlderThan(runtime.orm.em.fork(), new Date(Date.now() - config.alertRetentionDays * 86_400_000));
        if (alerts) logger.info('old alerts deleted, with their notifications and deliveries', { alerts });
      }
      const forgotten = await AlertBudget.forgetOld(runtime.orm.em.fork());
      if (forgotten) logger.info('alert budget spent a day before the newest firing forgotten', { rows: forgotten });
    },
    eventHandlers: {
      ...accountEventHandlers({
        strategiesRemoved: (ownerId) => engine.unwatchOwner(ownerId),
        // Rare: everything is read again before the next batch, after this one committed.
        strategiesRestored: () => loader?.markStale(),
      }),
      ...marketEventHandlers(engine, logger, config.alertsPerAccountPerHour),
      ...ordersEventHandlers,
    },
    eventHooks: {
      // One replica evaluates (its indicators must see every event, in order); a standby takes over when it goes.
      lease,
      becameLeader: () => loader?.markStale(),
      // Events wait until the engine is loaded (start-up), and for memory to match the store again.
      beforeBatch: async () => {
        if (!loader) return false;
        await loader.beforeBatch();
        return true;
      },
      // A batch that rolled back may have moved memory ahead of the store: read it all again.
      rolledBack: async () => loader?.afterRollback(),
    },
    async onStart(runtime) {
      loadHistory = (symbol, interval, count) => CandleStore.latest(runtime.orm.em.fork(), symbol, interval, count);
      const engineLoader = new EngineLoader(runtime.orm, engine, logger);
      await engineLoader.loadAll();
      // Only now may the consumer apply events (see beforeBatch).
      loader = engineLoader;
      listener = new AnalysisListener(config.databaseUrl, runtime.orm, liveAlerts, (id) => engineLoader.reload(id), () => engineLoader.loadAll(), logger);
      await listener.start();
      deliveries = new DeliveryWorker(
        runtime.orm,
        mailer,
        { retryHours: config.deliveryRetryHours, firstRetrySeconds: config.deliveryFirstRetrySeconds, webhookTimeoutMs: config.webhookTimeoutMs, mailTimeoutMs: config.mailTimeoutMs, allowPrivate: config.webhookAllowPrivate },
        logger,
      );
      deliveries.start();
      // Events that arrived while the engine loaded were left for now.
      void runtime.catchUpEvents();
      catchUpEvents = () => runtime.catchUpEvents();
    },
    async onStop() {
      await deliveries?.stop();
      await listener?.stop();
      await engine.stop?.();
      await calculator.stop();
      await backtester.stop();
    },
  });
  return { ...subgraph, engine, backtester, calculator, evaluating: () => lease.leading };
}
