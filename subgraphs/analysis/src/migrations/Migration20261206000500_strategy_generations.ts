import { Migration } from '@mikro-orm/migrations';

/**
 * Each start afresh of a strategy (switched back on, or given a new signal) counts one more
 * generation. A round evaluated before a switch-off and on again and written after it carried the
 * same signal as the strategy now, and wrote back the state the start afresh had just cleared;
 * with the generation in the signal it is seen as made of the strategy before. Catalogue-only.
 */
export class Migration20261206000500_strategy_generations extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE strategies ADD COLUMN generation integer NOT NULL DEFAULT 0');
  }
}
