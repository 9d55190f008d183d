import { Migration } from '@mikro-orm/migrations';

/**
 * The ticks market announced, as live evaluation read them: a backtest of a
 * strategy that evaluates on ticks replays them (kept ANALYSIS_TICK_RETENTION_DAYS).
 */
export class Migration20261205000500_ticks extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE ticks (symbol text NOT NULL, time timestamptz NOT NULL, price numeric NOT NULL, change24h numeric, PRIMARY KEY (symbol, time))');
    this.addSql('CREATE INDEX ticks_time ON ticks (time)');
  }
}
