import { createMailer, Logger, LogShippingVerifier, RunningSubgraph, startSubgraph } from '@herck/common';
import { createLogsContext } from './context';
import { LogsConfig } from './env';
import { serveArchiveDownloads } from './modules/archive/archive.route';
import { LogArchiver } from './modules/archive/log-archiver';
import { LogResolver } from './modules/entry/log.resolver';
import { serveLogExports } from './modules/entry/log-export.route';
import { LogQueryService } from './modules/entry/log-query.service';
import { serveLogIngest } from './modules/ingest/ingest.route';
import { activeAdminEmails, recipientEventHandlers } from './modules/recipients/recipients.handler';
import { ServiceStatusResolver } from './modules/status/service-status.resolver';
import { LogStore } from './modules/store/log-store';
import { buildLogsSchema } from './schema';
import { logsStore, openLogStore } from './store';

export interface LogsServiceOverrides {
  /** The clock archives are named and dated by (tests). */
  now?: () => Date;
}

export interface RunningLogs extends RunningSubgraph {
  store: LogStore;
  archiver: LogArchiver;
}

/** Builds the logs subgraph: every service's log stream, stored, searchable, archived past a threshold. */
export async function startLogsService(config: LogsConfig, logger: Logger, overrides: LogsServiceOverrides = {}): Promise<RunningLogs> {
  let store: LogStore | undefined;
  let archiver: LogArchiver | undefined;
  let queries: LogQueryService | undefined;
  const subgraph = await startSubgraph(config, logger, {
    ...logsStore,
    async buildSchema(runtime) {
      store = await openLogStore(config.mongoUrl, runtime.orm, logger);
      const mailer = createMailer(config.mail, logger);
      archiver = new LogArchiver(store, config, () => activeAdminEmails(runtime.orm.em.fork()), mailer, logger, overrides.now);
      queries = new LogQueryService(store, config);
      return buildLogsSchema(
        new Map<Function, object>([
          [LogResolver, new LogResolver(queries)],
          [ServiceStatusResolver, new ServiceStatusResolver(store)],
        ]),
      );
    },
    createContext: (base) => createLogsContext(base),
    eventHandlers: recipientEventHandlers,
    routes(app, _runtime, gatewayOnly) {
      serveLogIngest(app, store!, new LogShippingVerifier(config.shippingKeys), archiver!, logger);
      serveArchiveDownloads(app, config.archiveDir, gatewayOnly);
      serveLogExports(app, queries!, gatewayOnly, logger);
    },
    // Thresholds may have been passed while no entry arrived (a lower setting after a restart).
    housekeeping: async () => {
      await archiver!.check();
      await archiver!.removeLeftovers();
    },
    async onStop() {
      await archiver?.idle();
      await store?.close();
    },
  });
  return { ...subgraph, store: store!, archiver: archiver! };
}
