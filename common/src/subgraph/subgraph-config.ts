import { BaseConfig, readBaseConfig } from '../config/base-config';
import { EnvReader } from '../config/env-reader';
import { databaseUrl } from '../database/database-url';
import { readVerificationKeys, VerificationKey } from '../keys/key-material';
import { SubgraphName, subgraphDefaults } from './subgraph-catalog';

/** The embedded PostgreSQL `npm start` runs listens here unless told otherwise. */
export const DEFAULT_EMBEDDED_POSTGRES_PORT = 5454;

export interface SubgraphConfig extends BaseConfig {
  name: string;
  port: number;
  /** The PostgreSQL server (admin database); the service creates its own database on it. */
  serverUrl: string;
  databaseName: string;
  databaseUrl: string;
  busDatabaseName: string;
  busUrl: string;
  /** Public keys of the gateway's internal tokens. */
  internalTokenKeys: VerificationKey[];
}

export function readSubgraphConfig(env: EnvReader, name: SubgraphName): SubgraphConfig {
  const base = readBaseConfig(env);
  const embedded = `postgres://postgres:postgres@127.0.0.1:${env.port('EMBEDDED_POSTGRES_PORT', DEFAULT_EMBEDDED_POSTGRES_PORT)}/postgres`;
  const serverUrl = base.production
    ? env.url('DATABASE_URL', undefined, ['postgres', 'postgresql']) ?? ''
    : env.url('DATABASE_URL', embedded, ['postgres', 'postgresql']);
  if (base.production && !serverUrl) env.problem('DATABASE_URL', 'is required in production');
  const databaseName = env.string(`${name.toUpperCase()}_DATABASE_NAME`, name);
  const busDatabaseName = env.string('BUS_DATABASE_NAME', 'bus');
  return {
    ...base,
    name,
    port: env.port(`${name.toUpperCase()}_PORT`, subgraphDefaults(name).port),
    serverUrl,
    databaseName,
    databaseUrl: serverUrl ? databaseUrl(serverUrl, databaseName) : '',
    busDatabaseName,
    busUrl: serverUrl ? databaseUrl(serverUrl, busDatabaseName) : '',
    internalTokenKeys: readVerificationKeys(env, {
      envName: 'INTERNAL_TOKEN',
      devFile: 'internal-token.pem',
      dataDir: base.dataDir,
      production: base.production,
    }),
  };
}
