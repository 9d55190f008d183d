import { Migration } from '@mikro-orm/migrations';

/** Every service's database holds its outbox and how far it has read the bus. */
export class BusTablesMigration extends Migration {
  override up(): void {
    // seq keeps events in the order they were written; timestamps tie within a millisecond.
    this.addSql(`CREATE TABLE outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql(`CREATE TABLE bus_positions (
      consumer text PRIMARY KEY,
      position bigint NOT NULL
    )`);
  }
}

export const busTablesMigration = { name: 'Migration00000000000000_bus_tables', class: BusTablesMigration };
