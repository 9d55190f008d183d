import { MigrationObject } from '@mikro-orm/core';
import { EntityClass } from '@mikro-orm/postgresql';
import { busDeadLettersMigration } from '../bus/bus-dead-letters.migration';
import { busTablesMigration } from '../bus/bus-tables.migration';
import { OutboxMessage } from '../bus/outbox-message.entity';
import { rateLimitTableMigration } from '../limits/rate-limit-table.migration';

export interface StoreDefinition {
  entities: EntityClass<object>[];
  migrations: MigrationObject[];
}

/**
 * Everything a subgraph's database holds: common's tables (outbox, rate limits,
 * dead letters) around the subgraph's own, in the order they were introduced.
 * Start-up migrates by it and restore rebuilds by it, so the two never differ.
 */
export function subgraphStoreSchema(store: StoreDefinition): StoreDefinition {
  return { entities: [OutboxMessage, ...store.entities], migrations: [busTablesMigration, rateLimitTableMigration, ...store.migrations, busDeadLettersMigration] };
}
