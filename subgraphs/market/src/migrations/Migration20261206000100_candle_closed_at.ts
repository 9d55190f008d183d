import { Migration } from '@mikro-orm/migrations';

/**
 * Each candle a round closes records that round's time: a standby replica publishes exactly the
 * closes of each round the ingesting replica announces, whether the round had ticks or not (a
 * round no provider quoted closes candles too). Candles closed before, and imported ones, have none.
 */
export class Migration20261206000100_candle_closed_at extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE candles ADD COLUMN closed_at timestamptz');
    this.addSql('CREATE INDEX candles_closed_at_idx ON candles (closed_at) WHERE closed_at IS NOT NULL');
  }
}
