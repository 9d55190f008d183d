import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * An event waiting to be relayed to the bus. It is persisted in the same
 * transaction as the state change it announces, so neither exists without the other.
 */
@Entity({ tableName: 'outbox' })
export class OutboxMessage {
  [OptionalProps]?: 'seq';

  /** The database numbers messages in the order they were written (the relay publishes by it); timestamps tie within a millisecond. */
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq?: string;

  @Property({ type: 'uuid', unique: 'outbox_id_key' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  type: string;

  @Property({ type: 'json' })
  payload: Record<string, unknown>;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(type: string, payload: Record<string, unknown>) {
    this.type = type;
    this.payload = payload;
  }
}
