import { BaseConfig, readBaseConfig } from '../config/base-config';
import { EnvReader } from '../config/env-reader';
import { databaseUrl } from '../database/database-url';
import { embeddedPostgresDir, embeddedPostgresPasswordFile, embeddedServerUrl } from '../database/embedded-postgres-password';
import { readVerificationKeys, VerificationKey } from '../keys/key-material';
import { packageVersion } from './subgraph-status';
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
  /** How often expired rows (tokens, counters, abandoned registrations) are deleted. */
  housekeepingIntervalSeconds: number;
  /** Failed tries after which a bus event is moved to the consumer's dead letters. */
  busMaxAttempts: number;
  /** What `/internal/status` reports: `HERCK_VERSION` (e.g. a git commit), else the package's version. */
  version: string;
}

/** Where a subgraph's data lives: the PostgreSQL server, its own database there and the bus's. */
export interface SubgraphDatabases {
  serverUrl: string;
  databaseName: string;
  busDatabaseName: string;
}

/**
 * `DATABASE_URL` (else, in development, the embedded server `npm start` runs),
 * `<NAME>_DATABASE_NAME` and `BUS_DATABASE_NAME`: read the same way by the
 * subgraph itself and by the backup that must find its database.
 */
export function readSubgraphDatabases(env: EnvReader, base: BaseConfig, name: SubgraphName): SubgraphDatabases {
  const embeddedPort = env.port('EMBEDDED_POSTGRES_PORT', DEFAULT_EMBEDDED_POSTGRES_PORT);
  const serverUrl = env.url('DATABASE_URL', undefined, ['postgres', 'postgresql']) ?? (base.production ? '' : embeddedDefault(env, base.dataDir, embeddedPort));
  if (base.production && !serverUrl) env.problem('DATABASE_URL', 'is required in production');
  return { serverUrl, databaseName: env.string(`${name.toUpperCase()}_DATABASE_NAME`, name), busDatabaseName: env.string('BUS_DATABASE_NAME', 'bus') };
}

export function readSubgraphConfig(env: EnvReader, name: SubgraphName): SubgraphConfig {
  const base = readBaseConfig(env);
  const { serverUrl, databaseName, busDatabaseName } = readSubgraphDatabases(env, base, name);
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
    // At most what a timer holds (about 24.8 days): Node runs a longer one after 1 ms, every millisecond.
    housekeepingIntervalSeconds: env.int('HOUSEKEEPING_INTERVAL_SECONDS', 3600, { min: 1, max: 2_147_483 }),
    busMaxAttempts: env.int('BUS_MAX_ATTEMPTS', 5, { min: 1, max: 1000 }),
    version: env.string('HERCK_VERSION') || packageVersion(name),
  };
}

/**
 * Without DATABASE_URL in development: the embedded PostgreSQL `npm start` runs,
 * with the password it keeps under the data folder. `npm start` hands its
 * subgraphs the URL itself, so this serves `admin:create` and subgraphs started
 * by hand. Before the first `npm start` there is no password, and no server
 * either: say so now rather than fail to connect later.
 */
function embeddedDefault(env: EnvReader, dataDir: string, port: number): string {
  const file = embeddedPostgresPasswordFile(embeddedPostgresDir(dataDir));
  try {
    const url = embeddedServerUrl(dataDir, port);
    if (url) return url;
    env.problem('DATABASE_URL', `is not set and the embedded PostgreSQL has no password file (${file}) yet: run npm start once, or set DATABASE_URL (a platform started with HERCK_DATA_DIR needs the same HERCK_DATA_DIR here)`);
  } catch (error) {
    env.problem('DATABASE_URL', `is not set and the embedded PostgreSQL's password file cannot be read: ${(error as Error).message}`);
  }
  return '';
}
