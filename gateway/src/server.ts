import cluster from 'node:cluster';
import fs from 'node:fs';
import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import cors from 'cors';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, clientGoneSignal, GraphqlHttpService, InternalTokenSigner, Logger, maskUnexpectedErrors, MetricsRegistry, REQUEST_ID_HEADER, requestHeader, SubgraphName } from '@herck/common';
import { AccessTokenVerifier, isTokenRejection } from './auth/access-token-verifier';
import { AuthorizingGateway, GatewayContext } from './auth/authorizing-gateway';
import { JwksKeyStore } from './auth/jwks-key-store';
import { RolePolicy } from './auth/role-policy';
import { SessionStates } from './auth/session-states';
import { WorkerMetricsRegistry } from './cluster/cluster-metrics';
import { GatewayConfig } from './env';
import { serveAccountPages } from './http/account-pages';
import { serveLogDownloads } from './http/log-downloads';
import { documentFailureStatusPlugin } from './http/document-failure-status.plugin';
import { literalValueErrorsPlugin } from './http/literal-value-errors';
import { reservedVariableNamesRule } from './http/reserved-variable-names.rule';
import { storableTextRule } from './http/storable-text.rule';
import { finiteFloatRule } from './http/finite-float.rule';
import { subscriptionsOverHttp } from './http/subscriptions-over-http';
import { operationLimits } from './http/operation-limits';
import { operationLimitsRule } from './http/operation-limits.rule';
import { variableCostCheck } from './http/variable-cost-check';
import { plainLandingPagePlugin } from './http/plain-landing-page.plugin';
import { sandboxLandingPagePlugin } from './http/sandbox-landing-page.plugin';
import { LiveStats, startLiveEndpoint } from './live/live-endpoint';
import { eventDeliveryDuration, LiveFigures, liveFiguresOf, registerLiveMetrics } from './live/live.metrics';
import { OperationRateLimits, RATE_LIMIT_HEADERS } from './limits/operation-rate-limits';
import { rateLimitPlugin } from './limits/rate-limit.plugin';
import { reuseOperationsAcrossRequests } from './remote/reused-operations';
import { InternalDataSource } from './remote/internal-data-source';
import { PublicAnswerCache } from './remote/public-answer-cache';
import { subgraphFetchDuration } from './remote/subgraph-fetch.metrics';
import { subgraphPool } from './remote/subgraph-pool';
import { StatusMonitor } from './system/status-monitor';
import { buildGatewaySchema, GATEWAY_SUBGRAPH } from './system/system-schema';
import { BackupResolver } from './system/backup.resolver';
import { SystemResolver } from './system/system.resolver';

/** How long start-up waits for the rate limits' Redis to be ready (localhost answers in milliseconds). */
const RATE_LIMIT_REDIS_START_MS = 2_000;

/** Room for cached query plans, as @apollo/gateway counts it (JSON bytes; see below). */
const QUERY_PLANS_APPROXIMATE_MIB = 10;

export interface RunningGateway {
  url: string;
  /** The graphql-ws endpoint's counters (connections, shared and upstream subscriptions). */
  live: () => LiveStats;
  stop(): Promise<void>;
}

/** The public endpoint: composes the subgraphs from the checked-in supergraph and guards every field. */
/**
 * `records`: where the status samples go (`StatusMonitor`); the process's
 * shipping to logs at info level, so LOG_LEVEL does not erase status history.
 */
export async function startGateway(config: GatewayConfig, logger: Logger, records: Logger = logger): Promise<RunningGateway> {
  const supergraphSdl = fs.readFileSync(config.supergraphPath, 'utf8');
  const signer = new InternalTokenSigner(config.internalTokenKey);
  // A worker of several (GATEWAY_WORKERS) answers /metrics for all of them.
  const metrics = cluster.isWorker ? new WorkerMetricsRegistry('gateway') : new MetricsRegistry('gateway');
  const fetchDuration = subgraphFetchDuration(metrics);
  const subgraphConnections = subgraphPool(config.subgraphTimeoutMs);
  const publicAnswers = new PublicAnswerCache();
  // `status` is the gateway's own subgraph, answered in-process from the monitor's latest probe.
  const monitor = new StatusMonitor(config.subgraphUrls, signer, logger, config.statusProbeSeconds * 1000, records);
  let liveStats: (() => LiveStats) | null = null;
  // A worker of several tells every worker's connections: the supervisor adds up their metrics.
  const liveFigures = async (): Promise<LiveFigures | null> => {
    if (!liveStats) return null;
    if (metrics instanceof WorkerMetricsRegistry) return liveFiguresOf(await metrics.clusterSamples());
    const { connections, clientSubscriptions, droppedEvents } = liveStats();
    return { connections, active: clientSubscriptions, droppedEvents };
  };
  const systemSchema = await buildGatewaySchema(
    new Map<Function, object>([
      [SystemResolver, new SystemResolver(monitor, liveFigures)],
      [BackupResolver, new BackupResolver(config.backupDir)],
    ]),
  );
  // Unless this is set, ApolloGateway's constructor starts reporting anonymous usage to Apollo and, to
  // describe the host, probes cloud metadata addresses (169.254.169.254, …): requests to hosts the gateway
  // has no business calling, left hanging where there is no such service (they held test workers open).
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  reuseOperationsAcrossRequests();
  const gateway = new ApolloGateway({
    supergraphSdl,
    // Query plans are counted by their JSON, a third of what they hold: 10 "MiB" keep some 20,000 plans in
    // about 30 MB, where the default 30 let distinct documents (any client may send them) take about 90 MB.
    experimental_approximateQueryPlanStoreMiB: QUERY_PLANS_APPROXIMATE_MIB,
    buildService: ({ name }) =>
      name === GATEWAY_SUBGRAPH ? new LocalGraphQLDataSource(systemSchema) : new InternalDataSource(config.subgraphUrls[name as SubgraphName], name, { signer, pool: subgraphConnections, publicAnswers, fetchDuration, logger }),
    logger: { debug: () => undefined, info: (m) => logger.info(String(m)), warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
  });
  const armor = operationLimits(config.limits, config.production);
  // HTTP and the socket validate documents alike.
  const validationRules = [operationLimitsRule(armor.validationRules, config.limits.maxDirectives), storableTextRule, finiteFloatRule, reservedVariableNamesRule];
  const sessions = new SessionStates(config.sessionStateUrl, signer, config.sessionCheckSeconds * 1000, logger);
  const verifier = new AccessTokenVerifier(new JwksKeyStore(config.jwksUrl, logger), config.issuer, config.audience, sessions);

  // A refused access token (expired, ended, malformed) fails only operations that need a sign-in (401, in
  // AuthorizingGateway): `login`, `refreshToken` and public reads still answer a client that sends its stale
  // token, as clients refreshing on UNAUTHENTICATED do. Logged here, with its reason, under the request's id.
  // A sign-in that could not be checked (503) fails the request before it runs, logged so too.
  const identifyOrLog = async (authorization: string | undefined): Promise<Pick<GatewayContext, 'identity' | 'tokenRejection'>> => {
    try {
      return { identity: await verifier.identify(authorization) };
    } catch (error) {
      const code = (error as GraphQLError).extensions?.code ?? null;
      if (isTokenRejection(error)) {
        logger.info('access token refused', { reason: error.message, code });
        return { identity: ANONYMOUS, tokenRejection: error };
      }
      logger.info('request refused before it ran', { reason: (error as Error).message, code });
      throw error;
    }
  };
  const rateLimits = new OperationRateLimits(
    config.rateLimits,
    logger,
    metrics.counter({ name: 'herck_rate_limited_operations_total', help: 'Operations refused for exceeding their caller\'s rate limit.' }),
  );
  const http = new GraphqlHttpService<GatewayContext>({
    logger,
    accessLogLevel: 'info',
    apollo: {
      gateway: new AuthorizingGateway(gateway, RolePolicy.fromSupergraph(supergraphSdl), { hideSuggestions: config.production }),
      introspection: config.introspection,
      includeStacktraceInErrorResponses: !config.production,
      hideSchemaDetailsFromClientErrors: config.production,
      allowBatchedHttpRequests: false,
      csrfPrevention: true,
      parseOptions: { maxTokens: config.limits.maxTokens },
      validationRules,
      plugins: [
        ...armor.plugins,
        // A page given in a variable over the cost limit is refused before the operation is counted.
        rateLimitPlugin(rateLimits, [variableCostCheck(armor.validationRules)]),
        documentFailureStatusPlugin(),
        literalValueErrorsPlugin(),
        // Production serves a plain page: Apollo's pages load their scripts from Apollo's CDN.
        config.production ? plainLandingPagePlugin() : sandboxLandingPagePlugin(),
      ],
      formatError: maskUnexpectedErrors(logger, { production: config.production }),
    },
    // Browsers show scripts only the safelisted response headers unless told: the rate-limit ones are for clients to read.
    // Methods: what /graphql takes (the cors package's default also named PUT, PATCH and DELETE, which are refused).
    before: [cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], credentials: false, maxAge: 600, exposedHeaders: [...RATE_LIMIT_HEADERS, REQUEST_ID_HEADER, 'WWW-Authenticate'] })],
    requests: [subscriptionsOverHttp(config.limits.maxTokens)],
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    context: async (req, res): Promise<GatewayContext> => ({ ...(await identifyOrLog(requestHeader(req, 'authorization'))), client: http.clientAddress(req), signal: clientGoneSignal(res) }),
    routes: (app) => {
      serveAccountPages(app);
      serveLogDownloads(app, verifier, signer, config.subgraphUrls.logs);
    },
    metrics,
    metricsToken: config.metricsToken,
  });
  if (config.production && !config.metricsToken) logger.warn('METRICS_TOKEN is not set: /metrics on the public port is open to anyone');
  // Counting from the first request: until its Redis is ready a gateway lets operations through uncounted.
  await rateLimits.ready(RATE_LIMIT_REDIS_START_MS);
  const url = await http.listen(config.port, config.host);
  logger.info('gateway listening', { url });
  const live = startLiveEndpoint({
    httpServer: http.httpServer,
    config,
    logger,
    supergraphSdl,
    verifier,
    signer,
    apollo: http.apollo,
    rules: { validation: validationRules, costLimit: armor.validationRules },
    clientAddress: (request) => http.clientAddress(request),
    rateLimits,
    subgraphFetchDuration: fetchDuration,
    eventDeliveryDuration: eventDeliveryDuration(metrics),
    operationMetrics: http.operationMetrics,
    subgraphPool: subgraphConnections,
    publicAnswers,
  });
  registerLiveMetrics(metrics, () => live.stats());
  liveStats = () => live.stats();
  monitor.start();
  // Subscriptions end (close 1001) before HTTP drains.
  return {
    url,
    live: () => live.stats(),
    stop: async () => {
      await monitor.stop();
      try {
        await live.stop();
      } finally {
        try {
          await http.stop();
        } finally {
          await rateLimits.stop();
          // A second stop finds the pool closed already.
          if (!subgraphConnections.closed) await subgraphConnections.close();
        }
      }
    },
  };
}
