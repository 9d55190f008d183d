import { Migration } from '@mikro-orm/migrations';

/**
 * The 24-hour change live evaluation read at each candle close, kept with the candle, so a
 * backtest reads the figure live evaluation did (the provider's), not one worked out from closes.
 */
export class Migration20261203000100_close_change24h extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE latest_prices ADD COLUMN change24h numeric');
    this.addSql('ALTER TABLE candles ADD COLUMN change24h numeric');
  }
}
