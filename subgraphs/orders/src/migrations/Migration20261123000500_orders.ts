import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000500_orders extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE orders (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL,
      idempotency_key text NOT NULL,
      asset text NOT NULL,
      currency text NOT NULL,
      amount numeric NOT NULL CHECK (amount > 0),
      price numeric NOT NULL CHECK (price > 0),
      fx_rate numeric NOT NULL CHECK (fx_rate > 0),
      quantity numeric NOT NULL,
      status text NOT NULL,
      priced_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE (owner_id, idempotency_key)
    )`);
    this.addSql('CREATE INDEX orders_owner_idx ON orders (owner_id, created_at DESC, id DESC)');
    this.addSql('CREATE INDEX orders_created_idx ON orders (created_at, currency)');
    // The latest price of each asset (USD) and rate of each currency (per USD), from market's events.
    this.addSql(`CREATE TABLE prices (
      symbol text PRIMARY KEY,
      price numeric NOT NULL,
      time timestamptz NOT NULL
    )`);
    this.addSql(`CREATE TABLE fx_rates (
      currency text PRIMARY KEY,
      rate numeric NOT NULL,
      time timestamptz NOT NULL
    )`);
  }
}
