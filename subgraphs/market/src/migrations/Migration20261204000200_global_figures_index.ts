import { Migration } from '@mikro-orm/migrations';

/**
 * `globalMetrics` lists only rounds that have market-wide figures. Walking the
 * time index and skipping the rest read every stored round for an empty page
 * when the providers give none (Binance alone): this index holds only the rounds
 * with figures, in time order. Its condition is HAS_FIGURES_SQL, word for word.
 */
export class Migration20261204000200_global_figures_index extends Migration {
  override up(): void {
    this.addSql(
      'CREATE INDEX global_metrics_with_figures ON global_metrics (time) WHERE (total_market_cap IS NOT NULL OR total_volume_24h IS NOT NULL OR btc_dominance IS NOT NULL)',
    );
  }

  override down(): void {
    this.addSql('DROP INDEX global_metrics_with_figures');
  }
}
