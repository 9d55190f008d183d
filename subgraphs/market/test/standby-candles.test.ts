import Decimal from 'decimal.js';
import { Logger } from '@herck/common';
import { writeRound } from '../src';
import { closeCandlesWithoutTicks } from '../src/modules/ingestion/round-writer';
import { AssetResolver } from '../src/modules/asset/asset.resolver';
import { AssetService } from '../src/modules/asset/asset.service';
import { MarketContext } from '../src/context';
import { Candle } from '../src/modules/candle/candle.type';
import { CandleImportService } from '../src/modules/candle/candle-import.service';
import { HistoryRepository } from '../src/modules/history/history.repository';
import { MarketRound } from '../src/modules/ingestion/market-round';
import { quotedRound } from './quoted-round';
import { IngestionService } from '../src/modules/ingestion/ingestion.service';
import { LiveFeed } from '../src/modules/live/live-feed';
import { ProviderError } from '../src/modules/provider/market-provider';
import { ProviderStates } from '../src/modules/provider/provider-states';
import { ScriptedProvider } from './providers/provider-test-kit';
import { RoundListener } from '../src/modules/snapshot/round-listener';
import { SnapshotStore } from '../src/modules/snapshot/snapshot-store';
import { useMarketStore } from './support/market-store';

/**
 * A standby replica publishes, for each announced round, the candles the
 * ingesting replica published for it: the same closes (also of an asset the
 * round did not quote, and never a close again, late), then the same updates.
 * And its snapshot takes an asset's change made on another replica at once.
 */
const store = useMarketStore();

const round = (time: string, symbols: string[]): MarketRound => quotedRound(time, Object.fromEntries(symbols.map((symbol) => [symbol, symbol === 'BTC' ? '100000' : '2500'])));

/** A candle as the tests below compare it: when it opens, whether closed, and (unless `withTicks` is false) its tick count. */
const minute = (candle: Candle, withTicks = true) => `${candle.openTime.toISOString()} closed:${candle.closed}${withTicks ? ` ticks:${candle.tickCount}` : ''}`;

/** The candles `subscriber` receives that open at `since` or later, each as `minute` writes it, until `enough` says so. */
async function candlesFrom(subscriber: AsyncIterator<unknown>, since: string, enough: (seen: string[]) => boolean, withTicks = true): Promise<string[]> {
  const seen: string[] = [];
  while (!enough(seen)) {
    const candle = (await subscriber.next()).value as Candle;
    if (candle.openTime >= new Date(since)) seen.push(minute(candle, withTicks));
  }
  return seen;
}

const key = (candle: Candle) => `${candle.symbol} ${candle.interval} ${candle.openTime.toISOString()} closed:${candle.closed} ticks:${candle.tickCount} close:${candle.close.toFixed()}`;

/** What the ingesting replica publishes for the round, and what a standby loading it publishes. */
async function publishedBoth(time: string, symbols: string[]): Promise<{ leader: string[]; standby: string[] }> {
  const written = round(time, symbols);
  const { closedCandles, updatedCandles } = await writeRound(store.orm.em.fork(), written, 10);
  const standby = await new HistoryRepository(store.orm.em.fork()).candlesOfRound(written);
  // The updates' order within a round is the database's: compared as a set.
  const closedCount = closedCandles.length;
  return {
    leader: [...closedCandles.map(key), ...updatedCandles.map(key).sort()],
    standby: [...standby.slice(0, closedCount).map(key), ...standby.slice(closedCount).map(key).sort()],
  };
}

beforeAll(async () => {
  await new AssetService().seed(store.orm.em.fork(), ['BTC', 'ETH']);
});

it('publishes the closes and updates the ingesting replica published, round after round', async () => {
  await publishedBoth('2026-12-02T12:00:30Z', ['BTC', 'ETH']);
  await publishedBoth('2026-12-02T12:00:50Z', ['BTC', 'ETH']);

  // BTC is missing from the round that ends its minute: its close comes with ETH's, on time.
  const boundary = await publishedBoth('2026-12-02T12:01:00Z', ['ETH']);
  expect(boundary.leader.slice(0, 2)).toEqual(['BTC M1 2026-12-02T12:00:00.000Z closed:true ticks:2 close:100000', 'ETH M1 2026-12-02T12:00:00.000Z closed:true ticks:2 close:2500']);
  expect(boundary.standby).toEqual(boundary.leader);

  // BTC's first tick of the new minute: the ingesting replica closes nothing, so no late close either.
  const back = await publishedBoth('2026-12-02T12:01:10Z', ['BTC', 'ETH']);
  expect(back.leader.filter((candle) => candle.includes('closed:true'))).toEqual([]);
  expect(back.standby).toEqual(back.leader);

  // After a long pause, the candles of 12:01 close: ETH's too, though only BTC is quoted.
  const later = await publishedBoth('2026-12-02T12:59:50Z', ['BTC']);
  expect(later.leader.filter((candle) => candle.includes('closed:true'))).toHaveLength(6);
  expect(later.standby).toEqual(later.leader);

  // The hour's end closes BTC's minutes since, and both assets' hour.
  const hour = await publishedBoth('2026-12-02T13:00:00Z', ['BTC', 'ETH']);
  expect(hour.leader.filter((candle) => candle.includes('closed:true'))).toHaveLength(5);
  expect(hour.standby).toEqual(hour.leader);
});

it('publishes the close of a candle an import replaced after its period ended, before a round closed it, as the ingesting replica does', async () => {
  await publishedBoth('2026-12-02T14:00:30Z', ['BTC', 'ETH']);
  // At 14:01:00.3 the minute has ended, the round of 14:01 has not committed: an export of that minute is imported.
  const importedRow = { line: 2, openTime: new Date('2026-12-02T14:00:00Z'), open: new Decimal('99000'), high: new Decimal('99500'), low: new Decimal('98000'), close: new Decimal('99100'), volume: new Decimal('12.5') };
  await store.orm.em.fork().transactional((tx) => new CandleImportService().write(tx, 'BTC', 'M1', [importedRow]));
  const next = await publishedBoth('2026-12-02T14:01:00Z', ['BTC', 'ETH']);
  expect(next.leader).toContain('BTC M1 2026-12-02T14:00:00.000Z closed:true ticks:0 close:99100');
  expect(next.standby).toEqual(next.leader);
});

it('publishes the closes of a round without ticks when announced, and does not publish them again with the next round that has ticks', async () => {
  await publishedBoth('2026-12-02T15:00:30Z', ['BTC', 'ETH']);
  // A standby's listener, its subscribers watching BTC's minutes.
  const live = new LiveFeed();
  const listener = new RoundListener(store.databaseUrl, store.orm, new SnapshotStore(), live, new Logger('market', 'error'), () => false);
  await listener.start();
  const subscriber = live.candles('BTC', 'M1');
  try {
    // 15:01:00: no provider quoted anything; the minute has ended all the same.
    const time = new Date('2026-12-02T15:01:00Z');
    const leader = (await closeCandlesWithoutTicks(store.orm.em.fork(), time, async () => undefined)).map(key);
    expect(leader).toEqual(['BTC M1 2026-12-02T15:00:00.000Z closed:true ticks:1 close:100000', 'ETH M1 2026-12-02T15:00:00.000Z closed:true ticks:1 close:2500']);
    expect(key((await subscriber.next()).value as Candle)).toBe(leader[0]);
  } finally {
    await subscriber.return?.();
    await listener.stop();
  }
  const next = await publishedBoth('2026-12-02T15:01:10Z', ['BTC', 'ETH']);
  expect(next.leader.filter((candle) => candle.includes('closed:true'))).toEqual([]);
  expect(next.standby).toEqual(next.leader);
});

it("takes an asset's new name into a replica's snapshot when another replica renames it, before the next round", async () => {
  const snapshot = new SnapshotStore();
  const history = new HistoryRepository(store.orm.em.fork());
  const latest = (await history.round())!;
  snapshot.update(latest, await history.assetsOf(latest));
  expect(snapshot.asset('ETH')?.name).toBe('Ethereum');
  const listener = new RoundListener(store.databaseUrl, store.orm, snapshot, new LiveFeed(), new Logger('market', 'error'), () => false);
  await listener.start();
  try {
    await new AssetService().track(store.orm.em.fork(), 'ETH', 'Ether (renamed)');
    // The other replica's snapshot answers it once the announcement has come (a round, with real providers, is a minute away).
    for (const deadline = Date.now() + 5_000; snapshot.asset('ETH')?.name !== 'Ether (renamed)' && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(snapshot.asset('ETH')?.name).toBe('Ether (renamed)');
  } finally {
    await listener.stop();
  }
});

it('keeps the name the store keeps when two renames of one asset cross on the replica that served them', async () => {
  const snapshot = new SnapshotStore();
  const history = new HistoryRepository(store.orm.em.fork());
  const latest = (await history.round())!;
  snapshot.update(latest, await history.assetsOf(latest));
  const listener = new RoundListener(store.databaseUrl, store.orm, snapshot, new LiveFeed(), new Logger('market', 'error'), () => false);
  await listener.start();
  const storedName = async () => (await store.orm.em.fork().execute<{ name: string }[]>("SELECT name FROM assets WHERE symbol = 'ETH'"))[0]!.name;
  const until = async (done: () => Promise<boolean> | boolean) => {
    for (const deadline = Date.now() + 5_000; !(await done()); ) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const context = () => ({ em: store.orm.em.fork() }) as unknown as MarketContext;
  try {
    // Two admins rename ETH at once on this replica: the first commits, then its answer waits (putting its
    // announcement on the bus) while the second commits, answers, and its announcement reaches the snapshot.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = new AssetResolver(new AssetService(() => held), snapshot).trackAsset('ETH', 'Ether (first)', context());
    await until(async () => (await storedName()) === 'Ether (first)');
    await new AssetResolver(new AssetService(), snapshot).trackAsset('ETH', 'Ether (second)', context());
    await until(() => snapshot.asset('ETH')?.name === 'Ether (second)');
    release();
    await first;

    expect(await storedName()).toBe('Ether (second)');
    expect(snapshot.asset('ETH')?.name).toBe('Ether (second)');
  } finally {
    await listener.stop();
  }
});

it("publishes a round's candles once when it loads the round after the next one has committed (a round that overran, a slow load)", async () => {
  const live = new LiveFeed();
  const listener = new RoundListener(store.databaseUrl, store.orm, new SnapshotStore(), live, new Logger('market', 'error'), () => false);
  await listener.start();
  const subscriber = live.candles('BTC', 'M1');
  // The standby's load of 16:00:50 waits (its read of the round's FX rates, a table these rounds do not write)
  // until the round of 16:01:00, which closes the minute, has committed.
  const blocker = await store.orm.em.getConnection().getKnex().client.acquireConnection();
  const raw = (sql: string) => store.orm.em.getConnection().getKnex().raw(sql).connection(blocker);
  try {
    await raw('BEGIN');
    await raw('LOCK TABLE fx_rates IN ACCESS EXCLUSIVE MODE');
    await writeRound(store.orm.em.fork(), round('2026-12-02T16:00:50Z', ['BTC', 'ETH']), 10);
    await writeRound(store.orm.em.fork(), round('2026-12-02T16:01:00Z', ['BTC', 'ETH']), 10);
    await raw('COMMIT');

    const seen = await candlesFrom(subscriber, '2026-12-02T16:00:00Z', (seen) => seen.some((candle) => candle.includes('2026-12-02T16:01:00.000Z')));
    // The minute's close once (with the round that closed it), then the next minute's first update.
    expect(seen).toEqual(['2026-12-02T16:00:00.000Z closed:true ticks:1', '2026-12-02T16:01:00.000Z closed:false ticks:1']);
  } finally {
    await raw('ROLLBACK').catch(() => undefined);
    await store.orm.em.getConnection().getKnex().client.releaseConnection(blocker);
    await subscriber.return?.();
    await listener.stop();
  }
});

it('publishes the closes of its own round without ticks once when it stops ingesting while that round runs (its lease lost, another replica taking over)', async () => {
  await publishedBoth('2026-12-02T17:00:30Z', ['BTC', 'ETH']);
  let ingesting = true;
  const live = new LiveFeed();
  const listener = new RoundListener(store.databaseUrl, store.orm, new SnapshotStore(), live, new Logger('market', 'error'), () => ingesting);
  await listener.start();
  const subscriber = live.candles('BTC', 'M1');
  const states = new ProviderStates(['failing'], 60);
  await states.register(store.orm.em.fork());
  // While the round asks its provider, the replica's lock connection dies: it no longer ingests, and the round goes on.
  const failing = new ScriptedProvider('failing', () => {
    ingesting = false;
    throw new ProviderError('failing', 'down');
  });
  try {
    const settings = { intervalSeconds: 60, providerTimeoutMs: 1_000, providerAttempts: 1 };
    await new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [failing], states, settings, new SnapshotStore(), live).runRound(new Date('2026-12-02T17:01:00Z'));
    // The replica that took over runs the next round; this one publishes it as a standby.
    await writeRound(store.orm.em.fork(), round('2026-12-02T17:01:10Z', ['BTC', 'ETH']), 10);

    const seen = await candlesFrom(subscriber, '2026-12-02T17:00:00Z', (seen) => seen.some((candle) => candle.startsWith('2026-12-02T17:01:00.000Z')), false);
    expect(seen).toEqual(['2026-12-02T17:00:00.000Z closed:true', '2026-12-02T17:01:00.000Z closed:false']);
  } finally {
    await subscriber.return?.();
    await listener.stop();
  }
});

it('publishes no candle of a round it loaded once it has run a later round itself (taking over while the load was under way)', async () => {
  await publishedBoth('2026-12-02T18:00:30Z', ['BTC', 'ETH']);
  let ingesting = false;
  const live = new LiveFeed();
  const snapshot = new SnapshotStore();
  const listener = new RoundListener(store.databaseUrl, store.orm, snapshot, live, new Logger('market', 'error'), () => ingesting);
  const subscriber = live.candles('BTC', 'M1');
  // The standby's load of the leader's last round (18:00:50) has read its candles, and has not published them yet…
  let readCandles!: () => void;
  const candlesRead = new Promise<void>((resolve) => (readCandles = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const read = HistoryRepository.prototype.candlesOfRound;
  const held = jest.spyOn(HistoryRepository.prototype, 'candlesOfRound').mockImplementationOnce(async function (this: HistoryRepository, round) {
    const candles = await read.call(this, round);
    readCandles();
    await released;
    return candles;
  });
  await listener.start();
  try {
    await writeRound(store.orm.em.fork(), round('2026-12-02T18:00:50Z', ['BTC', 'ETH']), 10);
    await candlesRead;
    // …when the leader is gone and this replica takes over: its first round closes the minute and opens the next.
    ingesting = true;
    const states = new ProviderStates(['steady'], 60);
    await states.register(store.orm.em.fork());
    const steady = new ScriptedProvider('steady', () => ({ quotes: round('2026-12-02T18:01:00Z', ['BTC', 'ETH']).ticks.map((tick) => ({ ...tick, name: null })), global: null, fx: [] }));
    const settings = { intervalSeconds: 10, providerTimeoutMs: 1_000, providerAttempts: 1 };
    await new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [steady], states, settings, snapshot, live).runRound(new Date('2026-12-02T18:01:00Z'));
    release();
    // A round later, what the load was holding has been published, if it was going to be.
    await new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [steady], states, settings, snapshot, live).runRound(new Date('2026-12-02T18:01:10Z'));

    const seen = await candlesFrom(subscriber, '2026-12-02T18:00:00Z', (seen) => seen.includes('2026-12-02T18:01:00.000Z closed:false ticks:2'));
    // Never the 18:00 minute open again after its close.
    expect(seen).toEqual(['2026-12-02T18:00:00.000Z closed:true ticks:2', '2026-12-02T18:01:00.000Z closed:false ticks:1', '2026-12-02T18:01:00.000Z closed:false ticks:2']);
  } finally {
    held.mockRestore();
    release();
    await subscriber.return?.();
    await listener.stop();
  }
});
