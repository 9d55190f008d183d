import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000400_analysis extends Migration {
  override up(): void {
    // Owners as the account subgraph announces them: the address alert mail goes to.
    this.addSql(`CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      email text NOT NULL,
      status text NOT NULL,
      version integer NOT NULL
    )`);
    this.addSql(`CREATE TABLE strategies (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL,
      name text NOT NULL,
      symbols text[] NOT NULL,
      interval text NOT NULL,
      indicators jsonb NOT NULL,
      condition text NOT NULL,
      trigger text NOT NULL,
      cooldown_seconds integer NOT NULL CHECK (cooldown_seconds >= 0),
      notify_in_app boolean NOT NULL,
      notify_email boolean NOT NULL,
      webhook_url text,
      webhook_secret text,
      enabled boolean NOT NULL,
      last_error text,
      last_error_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    this.addSql('CREATE INDEX strategies_owner_idx ON strategies (owner_id, created_at, id)');
    // Per strategy and symbol: whether the condition held at the last evaluation (ON_CROSS
    // fires on the turn) and when it last fired (cooldown). Written only when they change.
    this.addSql(`CREATE TABLE strategy_states (
      strategy_id uuid NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
      symbol text NOT NULL,
      holds boolean NOT NULL,
      last_fired_at timestamptz,
      PRIMARY KEY (strategy_id, symbol)
    )`);
    // Closed candles from market.candle: analysis's own copy, to warm indicators up and to backtest.
    this.addSql(`CREATE TABLE candles (
      symbol text NOT NULL,
      interval text NOT NULL,
      open_time timestamptz NOT NULL,
      open numeric NOT NULL,
      high numeric NOT NULL,
      low numeric NOT NULL,
      close numeric NOT NULL,
      volume numeric NOT NULL,
      PRIMARY KEY (symbol, interval, open_time)
    )`);
    // Symbols market has announced: strategies may only watch these.
    this.addSql(`CREATE TABLE symbols (
      symbol text PRIMARY KEY,
      seen_at timestamptz NOT NULL
    )`);
    this.addSql(`CREATE TABLE alerts (
      id uuid PRIMARY KEY,
      strategy_id uuid NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
      owner_id uuid NOT NULL,
      symbol text NOT NULL,
      triggered_at timestamptz NOT NULL,
      price numeric NOT NULL,
      values jsonb NOT NULL,
      message text NOT NULL,
      acknowledged boolean NOT NULL DEFAULT false,
      UNIQUE (strategy_id, symbol, triggered_at)
    )`);
    this.addSql('CREATE INDEX alerts_owner_idx ON alerts (owner_id, triggered_at DESC, id DESC)');
    this.addSql(`CREATE TABLE notifications (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL,
      alert_id uuid REFERENCES alerts (id) ON DELETE CASCADE,
      message text NOT NULL,
      created_at timestamptz NOT NULL,
      read_at timestamptz
    )`);
    this.addSql('CREATE INDEX notifications_owner_idx ON notifications (owner_id, created_at DESC, id DESC)');
    // Mail and webhook sends waiting or done: written with the alert, sent by the delivery worker.
    this.addSql(`CREATE TABLE deliveries (
      id uuid PRIMARY KEY,
      channel text NOT NULL,
      alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      strategy_id uuid NOT NULL REFERENCES strategies (id) ON DELETE CASCADE,
      target text NOT NULL,
      body text NOT NULL,
      status text NOT NULL,
      attempts jsonb NOT NULL DEFAULT '[]',
      next_attempt_at timestamptz,
      created_at timestamptz NOT NULL
    )`);
    this.addSql("CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'PENDING'");
    this.addSql('CREATE INDEX deliveries_strategy_idx ON deliveries (strategy_id, created_at DESC)');
  }
}
