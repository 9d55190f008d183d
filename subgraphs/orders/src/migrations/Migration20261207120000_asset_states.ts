import { Migration } from '@mikro-orm/migrations';

/**
 * Whether market follows each asset, from its `market.asset` announcements (see asset-state.ts): an
 * untracked asset is refused at once, not priced from its last cached round until that is too old;
 * `untracked_at`, its latest untracking: no price from before it is traded on, also once it is tracked again.
 */
export class Migration20261207120000_asset_states extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE asset_states (
      symbol text PRIMARY KEY,
      tracked boolean NOT NULL,
      version bigint NULL,
      changed_at timestamptz NOT NULL,
      untracked_at timestamptz NULL
    )`);
  }
}
