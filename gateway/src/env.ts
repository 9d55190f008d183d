import fs from 'node:fs';
import path from 'node:path';
import { OperationRateSettings } from './limits/operation-rate-limits';
import { GATEWAY_SUBGRAPH } from './system/gateway-subgraph';
import {
  BaseConfig,
  EnvReader,
  Environment,
  readBaseConfig,
  readSigningKeys,
  repositoryRoot,
  SESSION_STATE_PATH,
  SigningKey,
  SubgraphName,
  SUBGRAPHS,
} from '@herck/common';

export interface GatewayConfig extends BaseConfig {
  port: number;
  /** Gateway processes sharing the port (node:cluster); 1: this process serves it alone. */
  workers: number;
  supergraphPath: string;
  /** The catalogued subgraphs, and any other the supergraph joins (each named by `<NAME>_URL`). */
  subgraphUrls: Record<SubgraphName, string> & Record<string, string>;
  jwksUrl: string;
  /** Auth's answer to whether a session still stands. */
  sessionStateUrl: string;
  /** How long that answer is trusted: the bound on how late a logout reaches an access token. */
  sessionCheckSeconds: number;
  /** Express's `trust proxy`: which proxies may name the client's address (X-Forwarded-For). */
  trustProxy: boolean | number | string;
  issuer: string;
  audience: string;
  internalTokenKey: SigningKey;
  introspection: boolean;
  corsOrigins: string[];
  bodyLimit: string;
  limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxCost: number };
  /** Operations (subscriptions, queries, mutations) running at once on one graphql-ws connection. */
  wsMaxSubscriptionsPerConnection: number;
  /** graphql-ws connections one account may hold open at once. */
  wsMaxConnectionsPerAccount: number;
  /**
   * Events one graphql-ws connection may hold unsent (across its subscriptions)
   * while its client does not read; beyond it ticks are conflated and other events dropped.
   */
  wsMaxQueuedEvents: number;
  /** Bytes a connection's socket may hold unsent before the gateway stops handing it events. */
  wsMaxBufferedBytes: number;
  /** The longest wait between attempts to reach a subgraph's graphql-ws endpoint again. */
  upstreamRetryMaxSeconds: number;
  /** How often every subgraph is probed for `status` (readiness, latency, version, bus). */
  statusProbeSeconds: number;
  /** How long a subgraph may take to answer a fetch (headers, then each part of the body) before the field fails. */
  subgraphTimeoutMs: number;
  /** Where `npm run backup` writes, for `backups` (`BACKUP_DIR`, default `<HERCK_DATA_DIR>/backups`). */
  backupDir: string;
  /** How long a graphql-ws socket may stay open without `connection_init` before it is closed (4408). */
  wsConnectionInitTimeoutMs: number;
  /** Operations a minute per caller (0: no limit), counted in Redis when REDIS_URL is set. */
  rateLimits: OperationRateSettings;
}

export function readGatewayConfig(source: Environment = process.env): GatewayConfig {
  const env = new EnvReader(source);
  const base = readBaseConfig(env);
  const supergraphPath = path.resolve(env.string('SUPERGRAPH_PATH', path.join(repositoryRoot(), 'schema', 'supergraph.graphql')));
  const subgraphUrls = {
    ...uncataloguedSubgraphUrls(env, supergraphPath),
    ...Object.fromEntries(
      SUBGRAPHS.map(({ name, port }) => {
        const variable = `${name.toUpperCase()}_URL`;
        const fallback = `http://127.0.0.1:${env.port(`${name.toUpperCase()}_PORT`, port)}/graphql`;
        return [name, env.url(variable, fallback, ['http', 'https'])];
      }),
    ),
  } as Record<SubgraphName, string> & Record<string, string>;
  const [internalTokenKey] = readSigningKeys(env, {
    envName: 'INTERNAL_TOKEN',
    devFile: 'internal-token.pem',
    dataDir: base.dataDir,
    production: base.production,
  });
  const port = env.port('GATEWAY_PORT', 4000);
  return env.finish({
    ...base,
    port,
    workers: env.int('GATEWAY_WORKERS', 1, { min: 1, max: 64 }),
    supergraphPath,
    subgraphUrls,
    jwksUrl: env.url('AUTH_JWKS_URL', new URL('/.well-known/jwks.json', subgraphUrls.auth).toString(), ['http', 'https']),
    sessionStateUrl: new URL(SESSION_STATE_PATH, subgraphUrls.auth).toString(),
    sessionCheckSeconds: env.int('SESSION_CHECK_SECONDS', 5, { min: 0, max: 60 }),
    trustProxy: parseTrustProxy(env.string('TRUST_PROXY', 'false')),
    issuer: env.string('AUTH_ISSUER', 'herck-auth'),
    audience: env.string('AUTH_AUDIENCE', 'herck'),
    internalTokenKey: internalTokenKey!,
    introspection: env.bool('INTROSPECTION', !base.production),
    // The gateway's own pages (Sandbox, whose subscriptions open the socket from the page's origin) wherever it listens.
    corsOrigins: env.list('CORS_ORIGINS', ['https://studio.apollographql.com', `http://localhost:${port}`, `http://127.0.0.1:${port}`]),
    bodyLimit: bodyLimit(env),
    limits: {
      maxDepth: env.int('MAX_DEPTH', 10, { min: 1 }),
      maxAliases: env.int('MAX_ALIASES', 15, { min: 0 }),
      maxDirectives: env.int('MAX_DIRECTIVES', 50, { min: 0 }),
      maxTokens: env.int('MAX_TOKENS', 2000, { min: 1 }),
      // graphql-armor multiplies a selection's cost by its page (a `first` written in the document or passed
      // as a variable, else the list's default; see forCosting): one page of the largest size the API offers
      // (1,000 candles, edges, nodes and pageInfo) costs about 60,000; such a page inside another does not fit.
      maxCost: env.int('MAX_COST', 100_000, { min: 1 }),
    },
    wsMaxSubscriptionsPerConnection: env.int('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, { min: 1 }),
    wsMaxConnectionsPerAccount: env.int('WS_MAX_CONNECTIONS_PER_ACCOUNT', 20, { min: 1 }),
    wsMaxQueuedEvents: env.int('WS_MAX_QUEUED_EVENTS', 100, { min: 1 }),
    wsMaxBufferedBytes: env.int('WS_MAX_BUFFERED_BYTES', 1024 * 1024, { min: 1024 }),
    upstreamRetryMaxSeconds: env.int('UPSTREAM_RETRY_MAX_SECONDS', 10, { min: 1, max: 300 }),
    statusProbeSeconds: env.int('STATUS_PROBE_SECONDS', 15, { min: 1, max: 3600 }),
    subgraphTimeoutMs: env.int('SUBGRAPH_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
    backupDir: path.resolve(env.string('BACKUP_DIR', path.join(base.dataDir, 'backups'))),
    wsConnectionInitTimeoutMs: env.int('WS_CONNECTION_INIT_TIMEOUT_MS', 10_000, { min: 100, max: 60_000 }),
    rateLimits: {
      anonymous: env.int('RATE_LIMIT_ANONYMOUS_PER_MINUTE', 30, { min: 0 }),
      perRole: {
        USER: env.int('RATE_LIMIT_USER_PER_MINUTE', 60, { min: 0 }),
        ANALYST: env.int('RATE_LIMIT_ANALYST_PER_MINUTE', 600, { min: 0 }),
        ADMIN: env.int('RATE_LIMIT_ADMIN_PER_MINUTE', 0, { min: 0 }),
      },
      redisUrl: env.url('REDIS_URL', undefined, ['redis', 'rediss']),
      keyPrefix: env.string('RATE_LIMIT_KEY_PREFIX', 'herck'),
      redisTimeoutMs: env.int('RATE_LIMIT_REDIS_TIMEOUT_MS', 500, { min: 10, max: 60_000 }),
    },
  });
}

/** `true`, `false`, a hop count, or addresses and subnets (`loopback, 10.0.0.0/8`), as Express takes them. */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * URLs of the subgraphs the supergraph joins that the catalogue does not name
 * (a test's own subgraph, say): `<NAME>_URL` for each, required, since the
 * URLs written in a supergraph are composition's placeholders.
 */
function uncataloguedSubgraphUrls(env: EnvReader, supergraphPath: string): Record<string, string> {
  let supergraphSdl: string;
  try {
    supergraphSdl = fs.readFileSync(supergraphPath, 'utf8');
  } catch {
    // Reported where the gateway reads it.
    return {};
  }
  // The gateway's own subgraph runs in this process: it has no URL.
  const catalogued = new Set<string>([...SUBGRAPHS.map(({ name }) => name), GATEWAY_SUBGRAPH]);
  const joined = [...supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"/g)].map((match) => match[1]!);
  return Object.fromEntries(
    joined
      .filter((name) => !catalogued.has(name))
      .map((name) => {
        const variable = `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
        const url = env.url(variable, undefined, ['http', 'https']);
        if (url === undefined) env.problem(variable, `is required: the supergraph joins the subgraph "${name}"`);
        return [name, url ?? ''];
      }),
  );
}

/** BODY_LIMIT in body-parser's notation (`100kb`, `1mb`, `512`), checked here so a typo is named at start-up. */
function bodyLimit(env: EnvReader): string {
  // Trimmed here: body-parser reads "1mb " as 1 byte. At least a kilobyte: 0 would refuse every body (and lift the socket's limit).
  const limit = env.string('BODY_LIMIT', '100kb').trim();
  const size = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit);
  const bytes = size ? Number(size[1]) * { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(size[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'] : 0;
  if (bytes < 1024) env.problem('BODY_LIMIT', `must be a size of at least 1kb, such as 100kb or 1mb, got "${limit}"`);
  return limit;
}
