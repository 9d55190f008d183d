import { BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { MigrationObject } from '@mikro-orm/core';
import { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { Express } from 'express';
import { GraphQLSchema } from 'graphql';
import pg from 'pg';
import { BusConsumer, BusEventHandler } from '../bus/bus-consumer';
import { ensureBusSchema } from '../bus/bus-database';
import { OutboxMessage } from '../bus/outbox-message.entity';
import { OutboxRelay } from '../bus/outbox-relay';
import { busTablesMigration } from '../bus/bus-tables.migration';
import { ensureDatabase } from '../database/database-url';
import { openOrm, Orm } from '../database/open-orm';
import { InternalTokenVerifier } from '../identity/internal-token';
import { Identity } from '../identity/roles';
import { Logger } from '../logging/logger';
import { GraphqlHttpService } from '../server/graphql-http-service';
import { maskUnexpectedErrors } from '../server/mask-errors';
import { requireInternalToken } from './internal-auth.middleware';
import { BackgroundTasks } from './background-tasks';
import { SubgraphConfig } from './subgraph-config';

/** What every resolver of every subgraph receives. */
export interface SubgraphContext extends BaseContext {
  identity: Identity;
  /** A fork of the entity manager for this request only. */
  em: EntityManager;
  logger: Logger;
}

/** What a subgraph's modules use beyond one request: its store and its outbox. */
export interface SubgraphRuntime {
  config: SubgraphConfig;
  logger: Logger;
  orm: Orm;
  /** Call after committing events to the outbox so they are relayed now, not at the next poll. */
  publishEvents(): void;
  /** Runs work past the response; shutdown waits for it. */
  background(name: string, task: () => Promise<void>): void;
}

export interface SubgraphDefinition<TContext extends SubgraphContext> {
  entities: EntityClass<object>[];
  migrations: MigrationObject[];
  buildSchema(runtime: SubgraphRuntime): Promise<GraphQLSchema>;
  createContext(base: SubgraphContext): TContext;
  eventHandlers?: Record<string, BusEventHandler>;
  /** Routes served beside `/graphql`, outside the internal-token check. */
  routes?(app: Express, runtime: SubgraphRuntime): void;
  /** Runs once the store is migrated, before the service accepts requests (e.g. the first admin). */
  onStart?(runtime: SubgraphRuntime): Promise<void>;
}

export interface RunningSubgraph {
  url: string;
  runtime: SubgraphRuntime;
  stop(): Promise<void>;
}

/** The subgraph's own database, created if missing and migrated, with the outbox beside its entities. */
export async function openSubgraphStore(
  config: SubgraphConfig,
  logger: Logger,
  store: { entities: EntityClass<object>[]; migrations: MigrationObject[] },
): Promise<Orm> {
  await ensureDatabase(config.serverUrl, config.databaseName);
  return openOrm({
    url: config.databaseUrl,
    entities: [OutboxMessage, ...store.entities],
    migrations: [busTablesMigration, ...store.migrations],
    logger,
  });
}

/** Database, migrations, bus, schema and HTTP for one subgraph: the bootstrap they all share. */
export async function startSubgraph<TContext extends SubgraphContext>(
  config: SubgraphConfig,
  logger: Logger,
  definition: SubgraphDefinition<TContext>,
): Promise<RunningSubgraph> {
  const orm = await openSubgraphStore(config, logger, definition);
  await ensureDatabase(config.serverUrl, config.busDatabaseName);
  const bus = new pg.Pool({ connectionString: config.busUrl, max: 4 });
  await ensureBusSchema(bus);
  const relay = new OutboxRelay(orm, bus, config.name, logger);
  relay.start();
  const tasks = new BackgroundTasks(logger);
  const runtime: SubgraphRuntime = {
    config,
    logger,
    orm,
    publishEvents: () => void relay.kick(),
    background: (name, task) => tasks.run(name, task),
  };
  const consumer = definition.eventHandlers
    ? new BusConsumer(config.name, orm, bus, config.busUrl, definition.eventHandlers, logger)
    : undefined;
  await consumer?.start();
  await definition.onStart?.(runtime);

  const verifier = new InternalTokenVerifier(config.internalTokenKeys, config.name);
  const http = new GraphqlHttpService<TContext>({
    logger,
    apollo: {
      schema: await definition.buildSchema(runtime),
      introspection: true,
      includeStacktraceInErrorResponses: !config.production,
      formatError: maskUnexpectedErrors(logger),
      csrfPrevention: true,
      // Apollo Studio's inline traces are of no use here and log a line that is not JSON.
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    },
    before: [requireInternalToken(verifier)],
    context: async (req) => {
      const identity = (req.res?.locals.identity ?? null) as Identity;
      return definition.createContext({ identity, em: orm.em.fork(), logger });
    },
    isReady: () => orm.isConnected(),
    routes: definition.routes && ((app) => definition.routes!(app, runtime)),
  });
  const url = await http.listen(config.port, config.host);
  logger.info('subgraph listening', { url });

  let stopped: Promise<void> | undefined;
  return {
    url,
    runtime,
    // In order: no new requests, in-flight ones and background work finish, events are relayed, the store closes.
    stop: () =>
      (stopped ??= (async () => {
        await http.stop();
        await tasks.drain();
        await consumer?.stop();
        await relay.stop();
        await bus.end();
        await orm.close();
      })()),
  };
}
