import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import cors from 'cors';
import { GraphqlHttpService, InternalTokenSigner, Logger, maskUnexpectedErrors, SubgraphName } from '@herck/common';
import { AccessTokenVerifier } from './auth/access-token-verifier';
import { AuthorizingGateway, GatewayContext } from './auth/authorizing-gateway';
import { JwksKeyStore } from './auth/jwks-key-store';
import { RolePolicy } from './auth/role-policy';
import { SessionStates } from './auth/session-states';
import { GatewayConfig } from './env';
import { serveAccountPages } from './http/account-pages';
import { documentFailureStatusPlugin } from './http/document-failure-status.plugin';
import { operationLimitsRule } from './http/operation-limits.rule';
import { sandboxLandingPagePlugin } from './http/sandbox-landing-page.plugin';
import { LiveStats, startLiveEndpoint } from './live/live-endpoint';
import { OperationRateLimits } from './limits/operation-rate-limits';
import { rateLimitPlugin } from './limits/rate-limit.plugin';
import { InternalDataSource } from './remote/internal-data-source';

export interface RunningGateway {
  url: string;
  /** The graphql-ws endpoint's counters (connections, shared and upstream subscriptions). */
  live: () => LiveStats;
  stop(): Promise<void>;
}

/** The public endpoint: composes the subgraphs from the checked-in supergraph and guards every field. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const supergraphSdl = fs.readFileSync(config.supergraphPath, 'utf8');
  const signer = new InternalTokenSigner(config.internalTokenKey);
  // Unless this is set, ApolloGateway's constructor starts reporting anonymous usage to Apollo and, to
  // describe the host, probes cloud metadata addresses (169.254.169.254, …): requests to hosts the gateway
  // has no business calling, left hanging where there is no such service (they held test workers open).
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => new InternalDataSource(config.subgraphUrls[name as SubgraphName], name, signer),
    logger: { debug: () => undefined, info: (m) => logger.info(String(m)), warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
  });
  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.maxDepth },
    maxAliases: { n: config.limits.maxAliases },
    maxDirectives: { n: config.limits.maxDirectives },
    // The parser counts tokens itself (parseOptions below): armor's token plugin parses again in a hook
    // whose every throw, a plain syntax error included, becomes a 500.
    maxTokens: { enabled: false },
    costLimit: { maxCost: config.limits.maxCost },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  const sessions = new SessionStates(config.sessionStateUrl, signer, config.sessionCheckSeconds * 1000, logger);
  const verifier = new AccessTokenVerifier(new JwksKeyStore(config.jwksUrl, logger), config.issuer, config.audience, sessions);

  const rateLimits = new OperationRateLimits(config.rateLimits, logger);
  const http = new GraphqlHttpService<GatewayContext>({
    logger,
    apollo: {
      gateway: new AuthorizingGateway(gateway, RolePolicy.fromSupergraph(supergraphSdl)),
      introspection: config.introspection,
      includeStacktraceInErrorResponses: !config.production,
      hideSchemaDetailsFromClientErrors: config.production,
      allowBatchedHttpRequests: false,
      csrfPrevention: true,
      parseOptions: { maxTokens: config.limits.maxTokens },
      validationRules: [operationLimitsRule(armor.validationRules)],
      plugins: [
        ...armor.plugins,
        rateLimitPlugin(rateLimits),
        documentFailureStatusPlugin(),
        // Production serves no page: Apollo's pages load their scripts from Apollo's CDN.
        config.production ? ApolloServerPluginLandingPageDisabled() : sandboxLandingPagePlugin(),
      ],
      formatError: maskUnexpectedErrors(logger, { production: config.production }),
    },
    before: [cors({ origin: config.corsOrigins, credentials: false, maxAge: 600 })],
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    context: async (req) => ({ identity: await verifier.identify(req.header('authorization')), client: req.ip ?? 'unknown' }),
    routes: (app) => serveAccountPages(app),
  });
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
    validationRules: [operationLimitsRule(armor.validationRules)],
    clientAddress: (request) => http.clientAddress(request),
    rateLimits,
  });
  // Subscriptions end (close 1001) before HTTP drains.
  return {
    url,
    live: () => live.stats(),
    stop: async () => {
      try {
        await live.stop();
      } finally {
        try {
          await http.stop();
        } finally {
          await rateLimits.stop();
        }
      }
    },
  };
}
