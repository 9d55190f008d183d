import { Migration } from '@mikro-orm/migrations';

/**
 * The revision of the `market.candle` announcement a stored candle holds: a later announcement of
 * the same candle replaces it only if newer (a higher revision), whichever reached the bus first.
 * Null for candles stored from announcements made before market counted revisions.
 */
export class Migration20261206001000_candle_revision extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE candles ADD COLUMN revision integer');
  }
}
