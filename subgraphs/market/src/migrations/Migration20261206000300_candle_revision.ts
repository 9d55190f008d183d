import { Migration } from '@mikro-orm/migrations';

/**
 * Each change of a candle (a tick, its close, an import, a roll-up) counts up its revision, under
 * the row's lock, and its `market.candle` announcement carries it: consumers tell the newer of two
 * announcements of one candle by it, whichever reached the bus first (every market replica's relay
 * moves events side by side). A constant default: no table rewrite.
 */
export class Migration20261206000300_candle_revision extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE candles ADD COLUMN revision integer NOT NULL DEFAULT 0');
  }
}
