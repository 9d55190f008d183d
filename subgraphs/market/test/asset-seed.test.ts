import { MARKET_ASSET } from '@herck/common';
import { AssetService } from '../src/modules/asset/asset.service';
import { useMarketStore } from './support/market-store';

/** The configured assets, tracked on a store's first start: once, however many replicas start at once. */
const store = useMarketStore();

it('is done by one of two replicas starting at once on an empty store; the other finds it done', async () => {
  const started = await Promise.allSettled([new AssetService().seed(store.orm.em.fork(), ['BTC', 'ETH']), new AssetService().seed(store.orm.em.fork(), ['BTC', 'ETH'])]);
  expect(started.map((start) => start.status)).toEqual(['fulfilled', 'fulfilled']);
  const em = store.orm.em.fork();
  expect(await em.execute('SELECT symbol FROM assets ORDER BY symbol')).toEqual([{ symbol: 'BTC' }, { symbol: 'ETH' }]);
  // Each asset announced once.
  const [{ n }] = await em.execute<{ n: number }[]>('SELECT count(*)::int AS n FROM outbox WHERE type = ?', [MARKET_ASSET]);
  expect(n).toBe(2);
});
