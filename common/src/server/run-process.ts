import { ConfigError } from '../config/env-reader';
import { DRAIN_GRACE_MS } from './graphql-http-service';
import { LogShipper } from '../logging/log-shipper';
import { Logger } from '../logging/logger';
import { ServiceLogger } from '../logging/service-logger';

/** Hands runProcess the service's logger as soon as it is opened, so a start-up that fails after it ships why. */
export type OpenedLogger = (logs: ServiceLogger) => ServiceLogger;

/**
 * The life of one service process: start it, stop it cleanly on SIGINT/SIGTERM,
 * and exit non-zero when start-up fails (a bad configuration prints every problem).
 */
export function runProcess(name: string, start: (opened: OpenedLogger) => Promise<{ logger: Logger; stop: () => Promise<void>; shipper?: LogShipper }>): void {
  let started: { logger: Logger; shipper?: LogShipper } | undefined;
  // The logger the start-up opened, before it finished: its failures are shipped like any other line.
  let opening: ServiceLogger | undefined;
  // An error nothing caught leaves the process in a state nobody planned for: it exits (npm start or the
  // orchestrator starts it again), but says why in a JSON line of its own, shipped like every other,
  // rather than as Node's multi-line trace on stderr that no log collector or `logs` query reads.
  const crash = (what: string) => (error: unknown) => {
    const logs = started ?? opening;
    const logger = logs?.logger ?? new Logger(name, 'error');
    logger.error(`${what}; exiting`, { error });
    const flushed = logs?.shipper?.close(2_000) ?? Promise.resolve();
    void flushed.catch(() => undefined).finally(() => process.exit(1));
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled promise rejection'));
  // Handled from the first moment: in a container the service is PID 1, which ignores a signal it has
  // no handler for, so a stop asked during start-up (a database still out of reach) waited for the
  // orchestrator's kill. Nothing is served yet and nothing needs draining (migrations are transactions).
  let shutdown: ((signal: string) => void) | undefined;
  const onSignal = (signal: string) => {
    if (shutdown) return shutdown(signal);
    process.stdout.write(JSON.stringify({ level: 'info', time: new Date().toISOString(), service: name, signal, msg: 'stopped during start-up' }) + '\n');
    process.exit(0);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  start((logs) => (opening = logs))
    .then(({ logger, stop, shipper }) => {
      started = { logger, shipper };
      let stopping = false;
      shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info('shutting down', { signal });
        // Past the requests' grace (DRAIN_GRACE_MS), with time left to close the stores.
        const forced = setTimeout(() => {
          logger.error('shutdown took too long; exiting');
          process.exit(1);
        }, DRAIN_GRACE_MS + 15_000);
        forced.unref();
        stop()
          .then(async () => {
            logger.info('stopped');
            // Last: the service's final lines (this one included) reach the logs service, if it is still up.
            await shipper?.close(2_000);
            process.exit(0);
          })
          .catch((error: unknown) => {
            logger.error('shutdown failed', { error });
            process.exit(1);
          });
      };
      watchParent(() => shutdown?.('parent exited'));
    })
    .catch((error: unknown) => {
      if (error instanceof ConfigError) {
        console.error(`${name}: ${error.message}`);
      } else if (opening) {
        // Shipped too (the database out of reach, a port taken, a failed migration): the logs service is
        // where an operator of several machines looks first. Waits a little for it, never long.
        opening.logger.error('start-up failed', { error });
        void (opening.shipper?.close(2_000) ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(1));
        return;
      } else {
        console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', service: name, msg: 'start-up failed', error: String((error as Error)?.stack ?? error) }));
      }
      process.exit(1);
    });
}

/**
 * `npm start` runs services in process groups of their own and names itself in
 * HERCK_PARENT_PID: should it die without stopping them (kill -9), they stop too.
 */
export function watchParent(onGone: () => void, parentPid = Number(process.env.HERCK_PARENT_PID)): void {
  if (!parentPid) return;
  const timer = setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      clearInterval(timer);
      onGone();
    }
  }, 1_000);
  timer.unref();
}
