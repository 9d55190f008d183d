import { Migration } from '@mikro-orm/migrations';

/**
 * Each change of an asset (trackAsset, untrackAsset) counts up its version, under the row's lock:
 * copies of it reaching a snapshot out of order (a rename's answer after a later rename's
 * announcement, a round's read of it) are told apart by it, and the newest kept.
 */
export class Migration20261206000200_asset_version extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE assets ADD COLUMN version integer NOT NULL DEFAULT 0');
  }
}
