import { Migration } from '@mikro-orm/migrations';

/**
 * When market stopped following a symbol (its `market.asset` event): new strategies may not
 * watch it from then, until market announces it tracked again.
 */
export class Migration20261205000100_untracked_symbols extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE symbols ADD COLUMN untracked_at timestamptz');
  }
}
