import { Migration } from '@mikro-orm/migrations';

/**
 * The version of the last `market.asset` announcement applied to a symbol: of two announcements
 * of one asset the higher version is the newer, whichever reached the bus first
 * and whatever the clocks of the replicas that stamped them.
 * Null until a versioned announcement arrives (a symbol first seen in a tick or a candle).
 */
export class Migration20261206000900_symbol_asset_version extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE symbols ADD COLUMN asset_version integer');
  }
}
