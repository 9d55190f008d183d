import cluster, { Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { Logger, watchParent } from '@herck/common';
import { superviseConnectionCounts } from './connection-counts';

/**
 * GATEWAY_WORKERS > 1: this process only supervises that many gateway
 * processes sharing the port (node:cluster hands each new connection to one
 * of them, so a WebSocket and its subscriptions live in one worker, which
 * opens its own upstream subscriptions). Operation rate limits are counted
 * here for every worker together (rate-limiter-flexible's cluster master),
 * unless Redis counts them, and so are WebSocket connections per account
 * (WS_MAX_CONNECTIONS_PER_ACCOUNT). A worker that dies stops the gateway, as any
 * crashed service does: the supervisor that started it decides what next.
 */
export function runGatewayWorkers(count: number, logger: Logger): void {
  new RateLimiterClusterMaster();
  superviseConnectionCounts();
  const workers = new Set<Worker>();
  let stopping = false;
  let exitCode = 0;

  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const worker of workers) worker.process.kill('SIGTERM');
  };
  cluster.on('exit', (worker, code, signal) => {
    workers.delete(worker);
    if (!stopping) {
      logger.error('gateway worker exited; stopping the others', { pid: worker.process.pid, code, signal });
      stop(1);
    }
    if (workers.size === 0) process.exit(exitCode);
  });
  for (let i = 0; i < count; i += 1) workers.add(cluster.fork());
  logger.info('gateway workers started', { workers: count });
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  watchParent(() => stop(0));
}
