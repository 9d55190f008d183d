import path from 'node:path';
import { EnvReader, Environment, readSubgraphConfig, SubgraphConfig } from '@herck/common';

export interface AnalysisConfig extends SubgraphConfig {
  /** Strategies one account may keep. */
  strategiesPerAccount: number;
  /** Portfolios one account may create (the default one an order's fill opens comes on top). */
  portfoliosPerAccount: number;
  /** Alerts one account's strategies may raise in an hour; further firings are held back (ONCE ones never are). */
  alertsPerAccountPerHour: number;
  mail: { smtpUrl?: string; from: string; mailDir: string };
  /** Loopback and private webhook targets are refused unless this is set (tests, a private network). */
  webhookAllowPrivate: boolean;
  /** Webhook and mail deliveries are retried with exponential backoff for this long. */
  deliveryRetryHours: number;
  /** The first retry waits this long; each next one twice as long (capped at an hour). */
  deliveryFirstRetrySeconds: number;
  webhookTimeoutMs: number;
  /** How long an alert mail may take to be taken by the SMTP server before the attempt counts as failed. */
  mailTimeoutMs: number;
  /** How far back a USER's backtest may reach (ANALYST and ADMIN: all history). */
  userBacktestDays: number;
  /** How long the ticks backtests replay are kept (older periods are replayed from their candles). */
  tickRetentionDays: number;
  /** How long alerts are kept, with their notices and delivery records; 0 keeps them for good. */
  alertRetentionDays: number;
  /** Worker threads strategies are spread over; 0 evaluates in the service's own thread. */
  workers: number;
  /** Worker threads portfolio figures are calculated on; 0 calculates them in the service's own thread. */
  portfolioThreads: number;
  /** Worker threads backtests are replayed on (each runs one at a time); 0 replays them in the service's own thread. */
  backtestThreads: number;
  /** An account's backtests running or waiting at most, in backtests of the largest size allowed (BacktestWork). */
  backtestWorkPerAccount: number;
}

export function readAnalysisConfig(source: Environment = process.env): AnalysisConfig {
  const env = new EnvReader(source);
  const subgraph = readSubgraphConfig(env, 'analysis');
  const smtpUrl = env.url('SMTP_URL', undefined, ['smtp', 'smtps']);
  if (subgraph.production && !smtpUrl) env.problem('SMTP_URL', 'is required in production');
  const deliveryRetryHours = env.int('DELIVERY_RETRY_HOURS', 24, { min: 1, max: 24 * 7 });
  return env.finish({
    ...subgraph,
    strategiesPerAccount: env.int('STRATEGIES_PER_ACCOUNT', 50, { min: 1, max: 10_000 }),
    portfoliosPerAccount: env.int('PORTFOLIOS_PER_ACCOUNT', 50, { min: 1, max: 10_000 }),
    alertsPerAccountPerHour: env.int('ALERTS_PER_ACCOUNT_PER_HOUR', 1_000, { min: 1, max: 1_000_000 }),
    mail: { smtpUrl, from: env.string('MAIL_FROM', 'Herck <no-reply@herck.local>'), mailDir: path.join(subgraph.dataDir, 'mail') },
    webhookAllowPrivate: env.bool('WEBHOOK_ALLOW_PRIVATE', false),
    deliveryRetryHours,
    deliveryFirstRetrySeconds: env.int('DELIVERY_FIRST_RETRY_SECONDS', 10, { min: 1, max: 3600 }),
    webhookTimeoutMs: env.int('WEBHOOK_TIMEOUT_MS', 10_000, { min: 100, max: 60_000 }),
    mailTimeoutMs: env.int('MAIL_TIMEOUT_MS', 60_000, { min: 100, max: 600_000 }),
    userBacktestDays: env.int('USER_BACKTEST_DAYS', 90, { min: 1 }),
    tickRetentionDays: env.int('ANALYSIS_TICK_RETENTION_DAYS', 30, { min: 1 }),
    alertRetentionDays: alertRetentionDays(env, deliveryRetryHours),
    workers: env.int('ANALYSIS_WORKERS', 0, { min: 0, max: 64 }),
    portfolioThreads: env.int('PORTFOLIO_THREADS', 1, { min: 0, max: 64 }),
    backtestThreads: env.int('BACKTEST_THREADS', 1, { min: 0, max: 64 }),
    backtestWorkPerAccount: env.int('BACKTEST_WORK_PER_ACCOUNT', 4, { min: 1, max: 1_000 }),
  });
}

/** 0 (keep for good), or longer than a delivery may keep retrying, so no alert goes while one of its sends is still tried. */
function alertRetentionDays(env: EnvReader, deliveryRetryHours: number): number {
  const days = env.int('ANALYSIS_ALERT_RETENTION_DAYS', 0, { min: 0 });
  const retryDays = Math.ceil(deliveryRetryHours / 24);
  if (days > 0 && days <= retryDays) env.problem('ANALYSIS_ALERT_RETENTION_DAYS', `must be 0 (keep alerts for good) or more than DELIVERY_RETRY_HOURS in days (${retryDays})`);
  return days;
}
