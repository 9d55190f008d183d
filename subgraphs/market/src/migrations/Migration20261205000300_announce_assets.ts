import { Migration } from '@mikro-orm/migrations';

/**
 * Assets became an event (`market.asset`) after installations already tracked and untracked
 * some: announce each asset's current state once, through the outbox, so that analysis refuses
 * new strategies on assets untracked before. (A new database has none yet: the first start's
 * seeding announces its own.)
 */
export class Migration20261205000300_announce_assets extends Migration {
  override up(): void {
    this.addSql(`INSERT INTO outbox (id, type, payload, created_at)
      SELECT gen_random_uuid(), 'market.asset',
             jsonb_build_object('symbol', symbol, 'name', name, 'tracked', tracked,
                                'changedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
             now()
        FROM assets ORDER BY symbol`);
  }
}
