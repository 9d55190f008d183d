import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000300_market extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE assets (
      symbol text PRIMARY KEY,
      name text NOT NULL,
      tracked boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    // One row per ingestion round: the market-wide figures of that moment ("globe").
    // Ticks of the round share its time, which is how a tick finds them.
    this.addSql(`CREATE TABLE global_metrics (
      time timestamptz PRIMARY KEY,
      total_market_cap numeric,
      total_volume_24h numeric,
      btc_dominance numeric,
      active_cryptocurrencies integer,
      source text
    )`);
    this.addSql(`CREATE TABLE ticks (
      symbol text NOT NULL,
      time timestamptz NOT NULL,
      price numeric NOT NULL CHECK (price >= 0),
      volume_24h numeric,
      market_cap numeric,
      percent_change_1h numeric,
      percent_change_24h numeric,
      source text NOT NULL,
      PRIMARY KEY (symbol, time)
    )`);
    // Retention deletes by time across symbols.
    this.addSql('CREATE INDEX ticks_time_idx ON ticks (time)');
    this.addSql(`CREATE TABLE candles (
      symbol text NOT NULL,
      interval text NOT NULL,
      open_time timestamptz NOT NULL,
      open numeric NOT NULL,
      high numeric NOT NULL,
      low numeric NOT NULL,
      close numeric NOT NULL,
      volume numeric NOT NULL,
      tick_count integer NOT NULL,
      closed boolean NOT NULL DEFAULT false,
      PRIMARY KEY (symbol, interval, open_time),
      CHECK (low <= high AND low >= 0)
    )`);
    this.addSql('CREATE INDEX candles_open_idx ON candles (interval, open_time) WHERE NOT closed');
    this.addSql(`CREATE TABLE fx_rates (
      base text NOT NULL,
      quote text NOT NULL,
      time timestamptz NOT NULL,
      rate numeric NOT NULL CHECK (rate > 0),
      PRIMARY KEY (base, quote, time)
    )`);
    // The latest rates and retention both look by time.
    this.addSql('CREATE INDEX fx_rates_time_idx ON fx_rates (time)');
    this.addSql(`CREATE TABLE providers (
      name text PRIMARY KEY,
      enabled boolean NOT NULL DEFAULT true,
      last_success_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      consecutive_failures integer NOT NULL DEFAULT 0,
      retry_after timestamptz
    )`);
    this.addSql(`CREATE TABLE ingestion_gaps (
      round_time timestamptz PRIMARY KEY,
      reason text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
}
