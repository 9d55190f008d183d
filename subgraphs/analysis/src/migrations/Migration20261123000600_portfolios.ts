import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000600_portfolios extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE portfolios (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL,
      name text NOT NULL,
      base_currency text NOT NULL,
      cost_basis_method text NOT NULL,
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL
    )`);
    this.addSql('CREATE INDEX portfolios_owner_idx ON portfolios (owner_id, created_at, id)');
    // Filled orders land in one portfolio per owner, made on demand.
    this.addSql('CREATE UNIQUE INDEX portfolios_default_idx ON portfolios (owner_id) WHERE is_default');
    // Amounts as entered (`currency`), and converted to the portfolio's base currency (`base_price`, `base_fee`).
    this.addSql(`CREATE TABLE portfolio_transactions (
      id uuid PRIMARY KEY,
      portfolio_id uuid NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
      seq bigserial NOT NULL,
      kind text NOT NULL,
      symbol text,
      quantity numeric NOT NULL CHECK (quantity > 0),
      price numeric NOT NULL CHECK (price >= 0),
      currency text NOT NULL,
      fee numeric NOT NULL CHECK (fee >= 0),
      base_price numeric NOT NULL,
      base_fee numeric NOT NULL,
      time timestamptz NOT NULL,
      note text,
      source_id text UNIQUE,
      created_at timestamptz NOT NULL
    )`);
    this.addSql('CREATE INDEX portfolio_transactions_portfolio_idx ON portfolio_transactions (portfolio_id, time, seq)');
    // The last FX rate of each day (units per USD) and each asset's latest price, from market's events.
    this.addSql(`CREATE TABLE daily_fx (
      currency text NOT NULL,
      day date NOT NULL,
      rate numeric NOT NULL,
      time timestamptz NOT NULL,
      PRIMARY KEY (currency, day)
    )`);
    this.addSql(`CREATE TABLE latest_prices (
      symbol text PRIMARY KEY,
      price numeric NOT NULL,
      time timestamptz NOT NULL
    )`);
  }
}
