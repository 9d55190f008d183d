import { Migration } from '@mikro-orm/migrations';

/**
 * Events a consumer gave up on after `BUS_MAX_ATTEMPTS` failed tries, kept in
 * the consumer's own database beside its read position (which moved past them).
 */
export class BusDeadLettersMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE bus_dead_letters (
      consumer text NOT NULL,
      position bigint NOT NULL,
      event_id uuid NOT NULL,
      type text NOT NULL,
      payload jsonb NOT NULL,
      error text NOT NULL,
      attempts integer NOT NULL,
      failed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, position)
    )`);
  }
}

export const busDeadLettersMigration = { name: 'Migration00000000000002_bus_dead_letters', class: BusDeadLettersMigration };
