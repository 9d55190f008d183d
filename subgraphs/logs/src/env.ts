import path from 'node:path';
import { EnvReader, Environment, MailerConfig, readSubgraphConfig, readVerificationKeys, SubgraphConfig, VerificationKey } from '@herck/common';

export interface LogsConfig extends SubgraphConfig {
  /** Entries live in MongoDB when set; otherwise in this subgraph's PostgreSQL database. */
  mongoUrl?: string;
  /** Public keys of the tokens log shippers sign. */
  shippingKeys: VerificationKey[];
  /** When a service's stored logs pass this, its oldest entries go to an archive file… */
  maxBytesPerService: number;
  /** …until this much is left. */
  keepBytesPerService: number;
  archiveDir: string;
  /** The longest text search accepted. */
  maxQueryLength: number;
  mail: MailerConfig;
}

export function readLogsConfig(source: Environment = process.env): LogsConfig {
  const env = new EnvReader(source);
  const subgraph = readSubgraphConfig(env, 'logs');
  const smtpUrl = env.url('SMTP_URL', undefined, ['smtp', 'smtps']);
  if (subgraph.production && !smtpUrl) env.problem('SMTP_URL', 'is required in production');
  const maxBytesPerService = env.int('LOGS_MAX_BYTES_PER_SERVICE', 64 * 1024 * 1024, { min: 1024 });
  const keepBytesPerService = env.int('LOGS_KEEP_BYTES_PER_SERVICE', Math.floor(maxBytesPerService / 2), { min: 0 });
  if (keepBytesPerService >= maxBytesPerService) env.problem('LOGS_KEEP_BYTES_PER_SERVICE', 'must be less than LOGS_MAX_BYTES_PER_SERVICE');
  return env.finish({
    ...subgraph,
    mongoUrl: env.url('LOGS_MONGODB_URL', undefined, ['mongodb', 'mongodb+srv']),
    shippingKeys: readVerificationKeys(env, { envName: 'LOG_SHIPPING', devFile: 'log-shipping.pem', dataDir: subgraph.dataDir, production: subgraph.production }),
    maxBytesPerService,
    keepBytesPerService,
    archiveDir: path.resolve(env.string('LOGS_ARCHIVE_DIR', path.join(subgraph.dataDir, 'log-archives'))),
    maxQueryLength: env.int('LOGS_MAX_QUERY_LENGTH', 200, { min: 1, max: 10_000 }),
    mail: { smtpUrl, from: env.string('MAIL_FROM', 'Herck <no-reply@herck.local>'), mailDir: path.join(subgraph.dataDir, 'mail') },
  });
}
