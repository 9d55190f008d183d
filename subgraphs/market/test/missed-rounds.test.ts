import Decimal from 'decimal.js';
import { Logger, testEnvironment, TestEnvironment } from '@herck/common';
import { readMarketConfig, RunningMarket, startMarketService, writeRound } from '../src';
import { MarketRound } from '../src/modules/ingestion/market-round';
import { quotedRound } from './quoted-round';
import { useMarketStore } from './support/market-store';
import { MAX_MISSED_ROUNDS, recordMissedRounds } from '../src/modules/ingestion/missed-rounds';

/**
 * Rounds that passed while no replica was ingesting (market stopped, or a
 * leader gone) are gaps too: recorded when a replica starts ingesting or
 * takes over, bounded for a long outage, none for a store that never had a round.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
  }
}

describe('a replica that starts ingesting', () => {
  let environment: TestEnvironment;
  const markets: RunningMarket[] = [];
  const start = async () => {
    const market = await startMarketService(readMarketConfig(environment.env), new Logger('market', 'error'));
    markets.push(market);
    return market;
  };

  beforeAll(() => {
    environment = testEnvironment({ MARKET_INTERVAL_SECONDS: '1', MARKET_SYMBOLS: 'BTC' });
  });
  afterAll(async () => {
    for (const market of markets) await market.stop().catch(() => undefined);
    await environment?.cleanUp();
  });

  it('records the rounds missed while market was stopped, and nothing on a new store', async () => {
    const first = await start();
    await until(() => first.snapshot.time !== null, 'a first round');
    // A new store: nothing before the first round is recorded as missed.
    expect(await first.runtime.orm.em.fork().execute("SELECT * FROM ingestion_gaps WHERE reason LIKE 'no replica was ingesting%'")).toEqual([]);
    await first.stop();
    const stoppedAt = Date.now();
    await sleep(3_500);

    const second = await start();
    await until(() => (second.snapshot.time?.getTime() ?? 0) > stoppedAt, 'a round of the second replica');
    const db = second.runtime.orm.em.fork();
    // The first replica's last round, and the second's first.
    const [{ last }] = await db.execute<{ last: Date }[]>('SELECT max(time) AS last FROM global_metrics WHERE time <= ?', [new Date(stoppedAt)]);
    const [{ resumed }] = await db.execute<{ resumed: Date }[]>('SELECT min(time) AS resumed FROM global_metrics WHERE time > ?', [last]);
    const gapsWhere = (reason: string) =>
      db.execute<{ round_time: Date; reason: string }[]>(`SELECT round_time, reason FROM ingestion_gaps WHERE round_time > ? AND round_time < ? AND ${reason} ORDER BY round_time`, [last, resumed]);
    const missedWhileStopped = await gapsWhere("reason LIKE 'no replica was ingesting%'");
    const anyGap = new Set((await gapsWhere('true')).map((gap) => new Date(gap.round_time).toISOString()));

    // Every boundary of the outage is a gap: those no replica ran, from the one after the last round on
    // (a loaded machine may add a late or overrun round of the second replica, with its own reason).
    const boundaries: string[] = [];
    for (let time = new Date(last).getTime() + 1_000; time < new Date(resumed).getTime(); time += 1_000) boundaries.push(new Date(time).toISOString());
    expect(boundaries.filter((boundary) => !anyGap.has(boundary))).toEqual([]);
    const recorded = missedWhileStopped.map((gap) => new Date(gap.round_time).toISOString());
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    // The missed rounds run on from the first boundary nothing else accounts for: on a loaded machine the
    // first replica, stopping, may have recorded the boundary after its last round itself, with its own reason.
    const missedFrom = boundaries.findIndex((boundary) => recorded.includes(boundary) || !anyGap.has(boundary));
    expect(recorded).toEqual(boundaries.slice(missedFrom, missedFrom + recorded.length));
    expect(missedWhileStopped[0]!.reason).toMatch(new RegExp(`^no replica was ingesting \\(rounds missed from ${boundaries[missedFrom]!.replace(/\./g, '\\.')} until `));
  });
});

describe('a long outage', () => {
  const store = useMarketStore();
  const firstRound = new Date('2026-12-03T12:00:00Z');
  const gaps = async () => (await store.orm.em.fork().execute<{ round_time: Date }[]>('SELECT round_time FROM ingestion_gaps ORDER BY round_time')).map((gap) => new Date(gap.round_time).toISOString());

  // Each test starts from an empty history and writes the rounds it needs: any one passes alone, in any order
  // (a round stored by an earlier test would be the "last round known" of the next).
  beforeEach(async () => {
    await store.orm.em.fork().execute('TRUNCATE global_metrics, ticks, candles, fx_rates, ingestion_gaps, outbox');
  });

  it('records nothing when the store never had a round', async () => {
    expect(await recordMissedRounds(store.orm.em.fork(), firstRound, 60_000)).toBe(0);
    expect(await gaps()).toEqual([]);
  });

  it('records its last day at most', async () => {
    await store.orm.em.fork().execute("INSERT INTO global_metrics (time) VALUES ('2026-11-30T12:00:00Z')");
    expect(await recordMissedRounds(store.orm.em.fork(), firstRound, 60_000)).toBe(1_440);
    const recorded = await gaps();
    expect([recorded.length, recorded[0], recorded.at(-1)]).toEqual([1_440, '2026-12-02T12:00:00.000Z', '2026-12-03T11:59:00.000Z']);
  });

  it('and at most its last MAX_MISSED_ROUNDS rounds', async () => {
    await store.orm.em.fork().execute("INSERT INTO global_metrics (time) VALUES ('2026-11-30T12:00:00Z')");
    expect(await recordMissedRounds(store.orm.em.fork(), firstRound, 1_000)).toBe(MAX_MISSED_ROUNDS);
    const recorded = await gaps();
    expect([recorded.length, recorded[0], recorded.at(-1)]).toEqual([MAX_MISSED_ROUNDS, '2026-12-03T09:13:20.000Z', '2026-12-03T11:59:59.000Z']);
  });

  it('records nothing when the last round known is the one before', async () => {
    await store.orm.em.fork().execute("INSERT INTO ingestion_gaps (round_time, reason) VALUES ('2026-12-03T11:59:00Z', 'previous round overran')");
    expect(await recordMissedRounds(store.orm.em.fork(), firstRound, 60_000)).toBe(0);
    expect(await gaps()).toEqual(['2026-12-03T11:59:00.000Z']);
  });

  describe('taken over from a leader whose round overran', () => {
    const round = (time: string): MarketRound => quotedRound(time, { BTC: '100' });
    const stored = async (time: string) => (await store.orm.em.fork().execute('SELECT 1 FROM global_metrics WHERE time = ?', [new Date(time)])).length === 1;
    /** Polls a condition of the store (another transaction's progress), never a fixed wait. */
    const eventually = async (check: () => Promise<boolean>, what: string) => {
      for (const deadline = Date.now() + 10_000; !(await check()); await sleep(20)) {
        if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
      }
    };

    it('does not leave the round as a gap once the old leader commits it', async () => {
      await writeRound(store.orm.em.fork(), round('2026-12-03T12:58:00Z'), 60);
      // The new leader's first round is 13:00; the old leader's 12:59 has not landed yet.
      expect(await recordMissedRounds(store.orm.em.fork(), new Date('2026-12-03T13:00:00Z'), 60_000)).toBe(1);
      expect(await gaps()).toEqual(['2026-12-03T12:59:00.000Z']);
      await writeRound(store.orm.em.fork(), round('2026-12-03T12:59:00Z'), 60);
      expect(await stored('2026-12-03T12:59:00Z')).toBe(true);
      expect(await gaps()).toEqual([]);
    });

    it('does not record as missed a round whose transaction is open', async () => {
      await writeRound(store.orm.em.fork(), round('2026-12-03T14:58:00Z'), 60);
      let takeover: Promise<number> | undefined;
      let settled = false;
      const othersWaitingOnALock = async () =>
        (await store.orm.em.fork().execute("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).length > 0;
      // The old leader's 14:59 is written but not committed when the new leader takes over at 15:00.
      await writeRound(store.orm.em.fork(), round('2026-12-03T14:59:00Z'), 60, async () => {
        takeover = recordMissedRounds(store.orm.em.fork(), new Date('2026-12-03T15:00:00Z'), 60_000).finally(() => (settled = true));
        await eventually(async () => settled || (await othersWaitingOnALock()), 'the takeover done or waiting');
      });
      await takeover;
      expect(await stored('2026-12-03T14:59:00Z')).toBe(true);
      expect(await gaps()).toEqual([]);
    });

    it('leaves a round that lands after a later one as the gap it was recorded as: the candles stay as the later round left them', async () => {
      const price = (time: string, value: string): MarketRound => ({ ...round(time), ticks: [{ ...round(time).ticks[0]!, symbol: 'ETH', price: new Decimal(value), volume24h: new Decimal('86400') }] });
      await writeRound(store.orm.em.fork(), price('2026-12-03T17:01:00Z', '100'), 60);
      expect(await recordMissedRounds(store.orm.em.fork(), new Date('2026-12-03T17:03:00Z'), 60_000)).toBe(1);
      await writeRound(store.orm.em.fork(), price('2026-12-03T17:03:00Z', '300'), 60);
      // The old leader's 17:02 commits last: the 17:03 tick already stands for its minute (volume) and is the close.
      await writeRound(store.orm.em.fork(), price('2026-12-03T17:02:00Z', '200'), 60);
      const [hour] = await store.orm.em.fork().execute<{ close: string; volume: string; tick_count: number }[]>("SELECT close::text, volume::text, tick_count FROM candles WHERE symbol = 'ETH' AND interval = 'H1' AND open_time = '2026-12-03T17:00:00Z'");
      expect(hour).toEqual({ close: '300', volume: '180', tick_count: 2 });
      expect(await stored('2026-12-03T17:02:00Z')).toBe(false);
      expect(await gaps()).toEqual(['2026-12-03T17:02:00.000Z']);
    });
  });
});
