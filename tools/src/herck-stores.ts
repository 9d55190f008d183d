import path from 'node:path';
import { accountStore } from '@herck/account';
import { analysisStore } from '@herck/analysis';
import { authStore } from '@herck/auth';
import {
  BackupStore,
  BaseConfig,
  busStoreSchema,
  Environment,
  EnvReader,
  readBaseConfig,
  readSubgraphDatabases,
  SubgraphName,
  SUBGRAPHS,
  subgraphStoreSchema,
} from '@herck/common';
import { logsStore } from '@herck/logs';
import { marketStore } from '@herck/market';
import { ordersStore } from '@herck/orders';

/**
 * What each subgraph keeps in PostgreSQL, by catalog name: a subgraph added to
 * the catalog does not compile until its store is named here, so backups
 * never silently leave one out.
 */
export const SUBGRAPH_STORES: Record<SubgraphName, Parameters<typeof subgraphStoreSchema>[0]> = {
  account: accountStore,
  auth: authStore,
  market: marketStore,
  analysis: analysisStore,
  orders: ordersStore,
  logs: logsStore,
};

export interface BackupSettings {
  /** Where backups go, one folder each: `BACKUP_DIR`, default `<HERCK_DATA_DIR>/backups`. */
  dir: string;
  /** Complete backups kept after each backup (`BACKUP_KEEP`, default 7; 0 keeps all). */
  keep: number;
  /** `npm start` backs up every this many hours (`BACKUP_INTERVAL_HOURS`; 0, the default, never). */
  intervalHours: number;
}

const MAX_INTERVAL_HOURS = 24 * 24;

export function readBackupSettings(env: EnvReader, base: BaseConfig): BackupSettings {
  const rawInterval = env.string('BACKUP_INTERVAL_HOURS', '0');
  const intervalHours = Number(rawInterval);
  // At most 24 days: Node's timers go no further.
  if (!/^\d+(\.\d+)?$/.test(rawInterval) || !(intervalHours <= MAX_INTERVAL_HOURS)) env.problem('BACKUP_INTERVAL_HOURS', `must be a number of hours from 0 (off) to ${MAX_INTERVAL_HOURS}, got "${rawInterval}"`);
  return {
    dir: path.resolve(env.string('BACKUP_DIR', path.join(base.dataDir, 'backups'))),
    keep: env.int('BACKUP_KEEP', 7),
    intervalHours: intervalHours <= MAX_INTERVAL_HOURS ? intervalHours : 0,
  };
}

/**
 * Every PostgreSQL store of the platform, named as each subgraph's config
 * names its database (`<NAME>_DATABASE_NAME`, `BUS_DATABASE_NAME`) on the
 * server of `DATABASE_URL`, or else the embedded one. The bus comes last:
 * backed up after the subgraphs, it holds every event their outboxes had
 * relayed and every position their consumers had read, so after a restore
 * nothing is skipped (what was relayed twice is ignored by event id).
 */
export function herckStores(source: Environment): BackupStore[] {
  const env = new EnvReader(source);
  const base = readBaseConfig(env);
  const stores: BackupStore[] = SUBGRAPHS.map(({ name }) => {
    const { serverUrl, databaseName } = readSubgraphDatabases(env, base, name);
    return { name, serverUrl, database: databaseName, schema: subgraphStoreSchema(SUBGRAPH_STORES[name]) };
  });
  const { serverUrl, busDatabaseName } = readSubgraphDatabases(env, base, SUBGRAPHS[0].name);
  stores.push({ name: 'bus', serverUrl, database: busDatabaseName, schema: busStoreSchema });
  return env.finish(stores);
}

