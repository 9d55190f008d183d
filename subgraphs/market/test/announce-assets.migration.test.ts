import { AbstractSqlDriver } from '@mikro-orm/knex';
import { MARKET_ASSET, MarketAssetEvent } from '@herck/common';
import { Migration20261205000300_announce_assets } from '../src/migrations/Migration20261205000300_announce_assets';
import { useMarketStore } from './support/market-store';

/**
 * An installation older than the `market.asset` event announces every asset's state once when
 * it upgrades: analysis then refuses new strategies on assets untracked before.
 */
const store = useMarketStore();

it("announces each asset's current state, once, with a time analysis reads", async () => {
  const em = store.orm.em.fork();
  // A new database ran the migration with no assets yet: nothing was announced then.
  expect(await em.execute("SELECT 1 FROM outbox WHERE type = 'market.asset'")).toEqual([]);
  await em.execute("INSERT INTO assets (symbol, name, tracked) VALUES ('BTC', 'Bitcoin', true), ('OLDCOIN', 'Old coin', false)");

  // What the upgrade runs on an installation holding these assets.
  const migration = new Migration20261205000300_announce_assets(store.orm.em.getDriver() as unknown as AbstractSqlDriver, store.orm.config);
  migration.up();
  const before = Date.now();
  for (const query of migration.getQueries()) await em.execute(String(query));

  const rows = await em.execute<{ type: string; payload: MarketAssetEvent }[]>('SELECT type, payload FROM outbox WHERE type = ? ORDER BY seq', [MARKET_ASSET]);
  expect(rows.map((row) => [row.payload.symbol, row.payload.name, row.payload.tracked])).toEqual([
    ['BTC', 'Bitcoin', true],
    ['OLDCOIN', 'Old coin', false],
  ]);
  for (const { payload } of rows) {
    const changedAt = Date.parse(payload.changedAt);
    expect(changedAt).toBeGreaterThanOrEqual(before - 5_000);
    expect(changedAt).toBeLessThanOrEqual(Date.now() + 5_000);
  }
});
