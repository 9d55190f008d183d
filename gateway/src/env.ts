import path from 'node:path';
import { BaseConfig, EnvReader, Environment, readBaseConfig, readSigningKeys, repositoryRoot, SigningKey, SubgraphName, SUBGRAPHS } from '@herck/common';

export interface GatewayConfig extends BaseConfig {
  port: number;
  supergraphPath: string;
  subgraphUrls: Record<SubgraphName, string>;
  jwksUrl: string;
  issuer: string;
  audience: string;
  internalTokenKey: SigningKey;
  introspection: boolean;
  corsOrigins: string[];
  bodyLimit: string;
  limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxCost: number };
}

export function readGatewayConfig(source: Environment = process.env): GatewayConfig {
  const env = new EnvReader(source);
  const base = readBaseConfig(env);
  const subgraphUrls = Object.fromEntries(
    SUBGRAPHS.map(({ name, port }) => {
      const variable = `${name.toUpperCase()}_URL`;
      const fallback = `http://127.0.0.1:${env.port(`${name.toUpperCase()}_PORT`, port)}/graphql`;
      return [name, env.url(variable, fallback, ['http', 'https'])];
    }),
  ) as Record<SubgraphName, string>;
  const [internalTokenKey] = readSigningKeys(env, {
    envName: 'INTERNAL_TOKEN',
    devFile: 'internal-token.pem',
    dataDir: base.dataDir,
    production: base.production,
  });
  return env.finish({
    ...base,
    port: env.port('GATEWAY_PORT', 4000),
    supergraphPath: path.resolve(env.string('SUPERGRAPH_PATH', path.join(repositoryRoot(), 'schema', 'supergraph.graphql'))),
    subgraphUrls,
    jwksUrl: env.url('AUTH_JWKS_URL', new URL('/.well-known/jwks.json', subgraphUrls.auth).toString(), ['http', 'https']),
    issuer: env.string('AUTH_ISSUER', 'herck-auth'),
    audience: env.string('AUTH_AUDIENCE', 'herck'),
    internalTokenKey: internalTokenKey!,
    introspection: env.bool('INTROSPECTION', !base.production),
    corsOrigins: env.list('CORS_ORIGINS', ['https://studio.apollographql.com', 'http://localhost:4000', 'http://127.0.0.1:4000']),
    bodyLimit: env.string('BODY_LIMIT', '100kb'),
    limits: {
      maxDepth: env.int('MAX_DEPTH', 10, { min: 1 }),
      maxAliases: env.int('MAX_ALIASES', 15, { min: 0 }),
      maxDirectives: env.int('MAX_DIRECTIVES', 50, { min: 0 }),
      maxTokens: env.int('MAX_TOKENS', 2000, { min: 1 }),
      maxCost: env.int('MAX_COST', 5000, { min: 1 }),
    },
  });
}
