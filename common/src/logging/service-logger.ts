import { BaseConfig } from '../config/base-config';
import { EnvReader, Environment } from '../config/env-reader';
import { LOG_SHIPPING_TOKEN_HEADER, LogShippingSigner } from '../identity/log-shipping-token';
import { readSigningKeys } from '../keys/key-material';
import { subgraphDefaults } from '../subgraph/subgraph-catalog';
import { LogShipper } from './log-shipper';
import { Logger, teeSinks, writeToStdout } from './logger';

/** The path of the logs subgraph's ingest route. */
export const LOG_INGEST_PATH = '/internal/logs';

export interface ServiceLogger {
  logger: Logger;
  /** Present when shipping is on; close it last, after the service stopped, so its final lines go too. */
  shipper?: LogShipper;
}

/** Where and how a process ships its log lines; undefined when shipping is off. */
export interface LogShippingConfig {
  url: string;
  key: ReturnType<typeof readSigningKeys>[number];
  settings: { batchEntries: number; flushIntervalMs: number; maxBufferedEntries: number };
}

/** Reads (and checks: a ConfigError names every bad variable) a process's log-shipping variables. */
export function readLogShippingConfig(config: BaseConfig, source: Environment = process.env): LogShippingConfig | undefined {
  const env = new EnvReader(source);
  const enabled = env.bool('LOG_SHIPPING', config.mode !== 'test');
  if (!enabled) return env.finish(undefined);
  const logsPort = env.port('LOGS_PORT', subgraphDefaults('logs').port);
  const logsUrl = env.url('LOGS_URL', `http://127.0.0.1:${logsPort}/graphql`, ['http', 'https']);
  const url = env.url('LOG_SHIPPING_URL', new URL(LOG_INGEST_PATH, logsUrl).toString(), ['http', 'https']);
  const [key] = readSigningKeys(env, { envName: 'LOG_SHIPPING', devFile: 'log-shipping.pem', dataDir: config.dataDir, production: config.production });
  const settings = {
    batchEntries: env.int('LOG_SHIPPING_BATCH_ENTRIES', 1000, { min: 1 }),
    flushIntervalMs: env.int('LOG_SHIPPING_FLUSH_MS', 1000, { min: 10 }),
    maxBufferedEntries: env.int('LOG_SHIPPING_MAX_BUFFERED', 20_000, { min: 1 }),
  };
  return env.finish({ url, key: key!, settings });
}

/**
 * A process's logger: JSON lines on stdout and, unless LOG_SHIPPING is off,
 * the same lines shipped to the logs subgraph (on by default, off under test).
 */
export function openServiceLogger(service: string, config: BaseConfig, source: Environment = process.env): ServiceLogger {
  const shipping = readLogShippingConfig(config, source);
  if (!shipping) return { logger: new Logger(service, config.logLevel) };
  const { url, key, settings } = shipping;
  const signer = new LogShippingSigner(key, service);
  const shipper = new LogShipper({ url, service, headers: () => ({ [LOG_SHIPPING_TOKEN_HEADER]: signer.token() }), report: writeToStdout, ...settings });
  return { logger: new Logger(service, config.logLevel, {}, teeSinks(writeToStdout, shipper.sink)), shipper };
}
