import cluster, { Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { Logger, watchParent } from '@herck/common';
import { superviseMetrics } from './cluster-metrics';
import { superviseConnectionCounts } from './connection-counts';

/** Workers that may die within RESTART_WINDOW_MS and be replaced; one more stops the gateway. */
const RESTARTS_PER_WINDOW = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * GATEWAY_WORKERS > 1: this process only supervises that many gateway
 * processes sharing the port (node:cluster hands each new connection to one
 * of them, so a WebSocket and its subscriptions live in one worker, which
 * opens its own upstream subscriptions). Operation rate limits are counted
 * here for every worker together (rate-limiter-flexible's cluster master),
 * unless Redis counts them, and so are WebSocket connections per account
 * (WS_MAX_CONNECTIONS_PER_ACCOUNT); `/metrics` through any worker adds up
 * every worker's here. A worker that dies (killed, crashed) is
 * replaced while the others keep serving, and the counts kept here live on; its
 * WebSockets are gone and the connections it counted are given back. Workers
 * that keep dying (more than RESTARTS_PER_WINDOW within a minute) stop the
 * gateway with exit code 1, as any crashed service does: the supervisor that
 * started it decides what next.
 */
export function runGatewayWorkers(count: number, logger: Logger): void {
  new RateLimiterClusterMaster();
  superviseConnectionCounts();
  superviseMetrics();
  const workers = new Set<Worker>();
  const deaths: number[] = [];
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork();
    // An answer sent to a worker that just died fails here; unheard, it would end this process.
    worker.on('error', (error: unknown) => logger.warn('gateway worker unreachable', { pid: worker.process.pid, error }));
    workers.add(worker);
  };
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const worker of workers) worker.process.kill('SIGTERM');
  };
  cluster.on('exit', (worker, code, signal) => {
    workers.delete(worker);
    if (!stopping) {
      const now = Date.now();
      deaths.push(now);
      while (deaths[0]! <= now - RESTART_WINDOW_MS) deaths.shift();
      if (deaths.length > RESTARTS_PER_WINDOW) {
        logger.error('gateway workers keep exiting; stopping the others', { pid: worker.process.pid, code, signal, exitedLastMinute: deaths.length });
        stop(1);
      } else {
        logger.error('gateway worker exited; starting another', { pid: worker.process.pid, code, signal });
        fork();
      }
    }
    if (workers.size === 0) process.exit(exitCode);
  });
  for (let i = 0; i < count; i += 1) fork();
  logger.info('gateway workers started', { workers: count });
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  watchParent(() => stop(0));
}
