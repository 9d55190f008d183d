import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { MigrationObject } from '@mikro-orm/core';
import { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { Express, RequestHandler } from 'express';
import { GraphQLSchema } from 'graphql';
import { BusBatchHooks, BusConsumer, BusEventHandler } from '../bus/bus-consumer';
import { ensureBusSchema } from '../bus/bus-database';
import { BusRetention, pruneBusEvents } from '../bus/bus-retention';
import { OutboxRelay } from '../bus/outbox-relay';
import { withPlatformLock } from '../bus/platform-lock';
import { databasePool } from '../database/connect-timeout';
import { ensureDatabase } from '../database/database-url';
import { openOrm, Orm } from '../database/open-orm';
import { InternalCaller, InternalTokenVerifier, INTERNAL_TOKEN_HEADER } from '../identity/internal-token';
import { Identity } from '../identity/roles';
import { deleteExpiredRateLimits } from '../limits/rate-budget';
import { Logger } from '../logging/logger';
import { Gauge, MetricsRegistry } from '../metrics/metrics-registry';
import { GraphqlHttpService } from '../server/graphql-http-service';
import { serveGraphqlWs } from '../server/graphql-ws-endpoint';
import { SUBGRAPH_IDLE_CLOSE_MS } from '../server/internal-keep-alive';
import { maskUnexpectedErrors } from '../server/mask-errors';
import { clientGoneSignal } from '../server/client-gone';
import { requireInternalToken } from './internal-auth.middleware';
import { BackgroundTasks } from './background-tasks';
import { Housekeeping } from './housekeeping';
import { SubgraphConfig } from './subgraph-config';
import { subgraphStoreSchema } from './subgraph-store-schema';
import { SUBGRAPH_STATUS_PATH, SubgraphStatusExtras, SubgraphStatusReport } from './subgraph-status';

/**
 * The longest a request waits for the bus: for its events to reach it (a slow bus must not hold a
 * change already made), or for the events on it to be applied here.
 */
const BUS_WAIT_MS = 2_000;

/**
 * The longest `/readyz` and a `/metrics` scrape wait for the database: one that does not answer (a
 * network partition) held both until the connection pool gave up, past any probe's or scrape's timeout.
 */
const DATABASE_CHECK_MS = 2_000;

/** `work`'s result, or a rejection once `ms` have passed without one. */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when `work` settles or after `ms`, whichever comes first; never rejects. */
async function atMost(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/** What every resolver of every subgraph receives. */
export interface SubgraphContext extends BaseContext {
  identity: Identity;
  /** The client's network address as the gateway saw it (for per-client limits); null when unknown. */
  client: string | null;
  /** A fork of the entity manager for this request only. */
  em: EntityManager;
  logger: Logger;
  /**
   * Aborts when the request's client (the gateway) went away before its answer was sent: work done
   * only for that answer may stop. Absent over WebSocket.
   */
  signal?: AbortSignal;
  /** Over WebSocket: the gateway subscribes again to a subscription it held until then (see RESUMED_SUBSCRIPTION_EXTENSION). */
  resumedSince?: Date;
}

/** What a subgraph's modules use beyond one request: its store and its outbox. */
export interface SubgraphRuntime {
  config: SubgraphConfig;
  logger: Logger;
  orm: Orm;
  /** Call after committing events to the outbox so they are relayed now, not at the next poll. */
  publishEvents(): void;
  /**
   * Relays now and resolves when that attempt ends (whether or not it published, and at most
   * BUS_WAIT_MS later): for an answer a client may act on at once in another service.
   */
  relayEvents(): Promise<void>;
  /** Runs work past the response; shutdown waits for it. */
  background(name: string, task: () => Promise<void>): void;
  /** Resolves once the bus events published so far have been applied here, or after BUS_WAIT_MS (no-op without handlers). */
  catchUpEvents(): Promise<void>;
  /** Runs `work` holding the lock `name`, shared by every service of the platform (see withPlatformLock). */
  exclusively<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** The service's `/metrics`, for figures of its own. */
  metrics: MetricsRegistry;
}

export interface SubgraphDefinition<TContext extends SubgraphContext> {
  entities: EntityClass<object>[];
  migrations: MigrationObject[];
  buildSchema(runtime: SubgraphRuntime): Promise<GraphQLSchema>;
  createContext(base: SubgraphContext): TContext;
  eventHandlers?: Record<string, BusEventHandler>;
  /** For state kept in memory: one consuming replica, a gate before each batch, word of a rollback. */
  eventHooks?: BusBatchHooks;
  /**
   * Routes served beside `/graphql`, outside the internal-token check;
   * `gatewayOnly` is that check, for routes only the gateway may call.
   */
  routes?(app: Express, runtime: SubgraphRuntime, gatewayOnly: RequestHandler): void;
  /** Runs once the store is migrated, before the service accepts requests (e.g. the first admin). */
  onStart?(runtime: SubgraphRuntime): Promise<void>;
  /** Deletes what has expired (tokens, pending registrations, …); run periodically. */
  housekeeping?(runtime: SubgraphRuntime): Promise<void>;
  /** This service's events the bus keeps for a while only (deleted at housekeeping). */
  busRetention?: BusRetention;
  /** Serve subscriptions over graphql-ws on `/graphql` too (the gateway's internal token in `connection_init`). */
  subscriptions?: boolean;
  /** Runs after the HTTP server stopped taking requests, before the store closes (e.g. stop a scheduler). */
  onStop?(): Promise<void>;
  /** What this service adds to its `/internal/status` report (e.g. market's ingestion); keep it cheap. */
  status?(runtime: SubgraphRuntime): Promise<SubgraphStatusExtras>;
  /** Apollo Server plugins of the service's own (e.g. market's cache hints for round-scoped answers). */
  plugins?: ApolloServerPlugin<TContext>[];
  /** Largest request body the service takes (default 100kb): more where an argument may be larger (market's CSV imports). */
  bodyLimit?: string;
}

export interface RunningSubgraph {
  url: string;
  runtime: SubgraphRuntime;
  /** One housekeeping pass now (the timer runs it every `housekeepingIntervalSeconds`). */
  housekeeping(): Promise<void>;
  stop(): Promise<void>;
}

/** The subgraph's own database, created if missing and migrated, with the outbox beside its entities. */
export async function openSubgraphStore(
  config: SubgraphConfig,
  logger: Logger,
  store: { entities: EntityClass<object>[]; migrations: MigrationObject[] },
): Promise<Orm> {
  await ensureDatabase(config.serverUrl, config.databaseName);
  return openOrm({ url: config.databaseUrl, ...subgraphStoreSchema(store), logger });
}

/** Database, migrations, bus, schema and HTTP for one subgraph: the bootstrap they all share. */
export async function startSubgraph<TContext extends SubgraphContext>(
  config: SubgraphConfig,
  logger: Logger,
  definition: SubgraphDefinition<TContext>,
): Promise<RunningSubgraph> {
  const orm = await openSubgraphStore(config, logger, definition);
  await ensureDatabase(config.serverUrl, config.busDatabaseName);
  const bus = databasePool({ connectionString: config.busUrl, max: 4 });
  // An idle connection the server drops (a restart, a failover, a proxy's timeout) is an 'error' on
  // the pool, which opens another when one is needed; unhandled, it brought every subgraph down at once.
  bus.on('error', (error) => logger.warn('a bus connection was lost; another is opened when needed', { error: error.message }));
  await ensureBusSchema(bus);
  const relay = new OutboxRelay(orm, bus, config.name, logger);
  relay.start();
  const tasks = new BackgroundTasks(logger);
  const consumer = definition.eventHandlers
    ? new BusConsumer(config.name, orm, bus, config.busUrl, definition.eventHandlers, logger, definition.eventHooks, undefined, config.busMaxAttempts)
    : undefined;
  const metrics = new MetricsRegistry(config.name);
  const runtime: SubgraphRuntime = {
    config,
    logger,
    orm,
    metrics,
    publishEvents: () => void relay.kick(),
    relayEvents: () => atMost(BUS_WAIT_MS, relay.kick()),
    background: (name, task) => tasks.run(name, task),
    catchUpEvents: () => atMost(BUS_WAIT_MS, consumer?.caughtUp(BUS_WAIT_MS) ?? Promise.resolve()),
    exclusively: (name, work) => withPlatformLock(config.busUrl, name, work, logger),
  };
  await consumer?.start();
  await definition.onStart?.(runtime);

  const verifier = new InternalTokenVerifier(config.internalTokenKeys, config.name);
  const gatewayOnly = requireInternalToken(verifier);
  const schema = await definition.buildSchema(runtime);
  if (consumer) {
    // One status query per scrape, read by both gauges (prom-client collects each metric on its own).
    let pending: Promise<{ consumer: string; lag: number; deadLetters: number }> | undefined;
    // A scrape reads the counts only; the dead letters themselves are listed for the gateway's status.
    const status = () => (pending ??= consumer.status({ listDeadLetters: false }).finally(() => setImmediate(() => (pending = undefined))));
    // With the database out of reach the counts cannot be read: the gauge then has no sample (not a stale
    // one) and the scrape still answers with everything else. A failing collect made all of /metrics a 500.
    const collectInto = async (gauge: Gauge<'consumer'>, pick: (read: { lag: number; deadLetters: number }) => number) => {
      try {
        const read = await within(DATABASE_CHECK_MS, status(), 'bus status');
        gauge.set({ consumer: read.consumer }, pick(read));
      } catch (error) {
        gauge.reset();
        logger.warn('bus figures left out of /metrics: the database could not be read', { error });
      }
    };
    const busLag: Gauge<'consumer'> = metrics.gauge({ name: 'herck_bus_lag_events', help: 'Bus events published but not yet applied by this consumer.', labelNames: ['consumer'] as const, collect: () => collectInto(busLag, (read) => read.lag) });
    const deadLetters: Gauge<'consumer'> = metrics.gauge({ name: 'herck_bus_dead_letters', help: 'Bus events this consumer gave up on (see bus_dead_letters).', labelNames: ['consumer'] as const, collect: () => collectInto(deadLetters, (read) => read.deadLetters) });
  }
  const http = new GraphqlHttpService<TContext>({
    logger,
    metrics,
    metricsToken: config.metricsToken,
    apollo: {
      schema,
      introspection: true,
      includeStacktraceInErrorResponses: !config.production,
      formatError: maskUnexpectedErrors(logger),
      csrfPrevention: true,
      // Apollo Studio's inline traces are of no use here and log a line that is not JSON. Apollo's
      // cache-control plugin is off: no schema has @cacheControl hints (market sets its own header), and
      // its per-field hook made Apollo Server wrap every resolver of the schema, costing each request.
      plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), ...(definition.plugins ?? [])],
    },
    before: [gatewayOnly],
    bodyLimit: definition.bodyLimit,
    context: async (_req, res) => {
      const { identity, client } = res.locals.caller as InternalCaller;
      return definition.createContext({ identity, client, em: orm.em.fork(), logger, signal: clientGoneSignal(res) });
    },
    isReady: () => within(DATABASE_CHECK_MS, orm.isConnected(), 'database check'),
    routes: (app) => {
      // For the gateway's `status`: version, bus lag and dead letters, and what the service adds.
      app.get(SUBGRAPH_STATUS_PATH, gatewayOnly, async (_req, res, next) => {
        try {
          const report: SubgraphStatusReport = {
            ...(await definition.status?.(runtime)),
            version: config.version,
            bus: (await consumer?.status()) ?? null,
          };
          res.json(report);
        } catch (error) {
          next(error);
        }
      });
      definition.routes?.(app, runtime, gatewayOnly);
    },
  });
  // Idle connections from the gateway are closed by the gateway, never from here (see internal-keep-alive.ts).
  http.httpServer.keepAliveTimeout = SUBGRAPH_IDLE_CLOSE_MS;
  const url = await http.listen(config.port, config.host);
  const webSocket = definition.subscriptions
    ? serveGraphqlWs<TContext>(http.httpServer, schema, {
        path: '/graphql',
        authenticate: (params) => {
          const caller = verifier.verify(typeof params?.[INTERNAL_TOKEN_HEADER] === 'string' ? params[INTERNAL_TOKEN_HEADER] : undefined);
          return caller && definition.createContext({ ...caller, em: orm.em.fork(), logger });
        },
        contextFor: (authenticated, resumedSince) => definition.createContext({ identity: authenticated.identity, client: authenticated.client, em: orm.em.fork(), logger, resumedSince }),
      })
    : undefined;
  logger.info('subgraph listening', { url });

  const housekeeping = new Housekeeping(logger, async () => {
    const rateLimits = await deleteExpiredRateLimits(orm);
    if (rateLimits) logger.info('expired rate limits deleted', { rows: rateLimits });
    await definition.housekeeping?.(runtime);
    if (definition.busRetention) await pruneBusEvents(bus, definition.busRetention, logger);
  });
  housekeeping.start(config.housekeepingIntervalSeconds * 1000);

  let stopped: Promise<void> | undefined;
  return {
    url,
    runtime,
    housekeeping: () => housekeeping.runOnce(),
    // In order: no new requests, in-flight ones and background work finish, events are relayed, the store closes.
    stop: () =>
      (stopped ??= (async () => {
        await webSocket?.dispose();
        await http.stop();
        // Before onStop: what a subgraph stops there (e.g. evaluation workers) may serve the consumer's handlers.
        await consumer?.stop();
        // Housekeeping may use what onStop closes (logs' archiver runs from it): it ends first.
        await housekeeping.stop();
        await definition.onStop?.();
        await tasks.drain();
        await relay.stop();
        await bus.end();
        await orm.close();
      })()),
  };
}
