import Decimal from 'decimal.js';
import { AdvisoryLease, Logger } from '@herck/common';
import { writeRound } from '../src';
import { AssetService } from '../src/modules/asset/asset.service';
import { IngestionRunner } from '../src/modules/ingestion/ingestion-runner';
import { IngestionService, recordGap } from '../src/modules/ingestion/ingestion.service';
import { MarketRound } from '../src/modules/ingestion/market-round';
import { quotedRound } from './quoted-round';
import { LiveFeed } from '../src/modules/live/live-feed';
import { MarketProvider, ProviderRound } from '../src/modules/provider/market-provider';
import { ProviderStates } from '../src/modules/provider/provider-states';
import { SnapshotStore } from '../src/modules/snapshot/snapshot-store';
import { FakeClock } from './fake-clock';
import { useMarketStore } from './support/market-store';

/**
 * A replica that starts ingesting (or takes over) with a clock behind the last round the store knows
 * (another replica's clock was ahead, or its own was set back): the boundaries up to that round are
 * the old leader's, rounds or gaps already, or before the store's first round. It neither asks the
 * providers for them nor writes them (today's prices stamped with a time gone), nor records them as
 * gaps: its first round is the first boundary after the last one known.
 */

const store = useMarketStore();
const logger = new Logger('market', 'error');
const INTERVAL_MS = 60_000;
const T = Date.parse('2026-12-04T10:00:00Z');

/** Quotes BTC every round, noting the round times it was asked for. */
class AskedProvider implements MarketProvider {
  readonly name = 'steady';
  readonly givesFxRates = false;
  readonly asked: string[] = [];
  async fetchRound(_symbols: string[], time: Date): Promise<ProviderRound> {
    this.asked.push(time.toISOString());
    return { quotes: [{ symbol: 'BTC', name: null, price: new Decimal('100'), volume24h: null, marketCap: null, percentChange1h: null, percentChange24h: null }], global: null, fx: [] };
  }
}

const round = (time: number): MarketRound => quotedRound(time, { BTC: '99' }, 'steady');

beforeAll(async () => {
  await new AssetService().seed(store.orm.em.fork(), ['BTC']);
  await new ProviderStates(['steady'], 60).register(store.orm.em.fork());
});
// Each test writes the old leader's history it needs into an empty store.
beforeEach(async () => {
  await store.orm.em.fork().execute('TRUNCATE global_metrics, ticks, candles, fx_rates, ingestion_gaps, outbox');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves the fake clock to `target`, letting each round (real SQL) finish before the next timer fires. */
async function runUntil(clock: FakeClock, target: number): Promise<void> {
  while (clock.nextDue !== undefined && clock.nextDue <= target) {
    await clock.advanceTo(clock.nextDue);
    for (const deadline = Date.now() + 10_000; clock.pendingTimers === 0; await sleep(5)) {
      if (Date.now() > deadline) throw new Error('the round did not end');
    }
  }
  await clock.advanceTo(target);
}

/**
 * A replica whose clock reads `clockAt` takes the free ingestion lock and ingests until its clock reads
 * `until`: the round times it asked the provider for, and the gaps and rounds in the store after.
 */
async function takeOver(clockAt: number, until: number) {
  const provider = new AskedProvider();
  const service = new IngestionService({ orm: store.orm, logger, publishEvents: () => undefined }, [provider], new ProviderStates(['steady'], 60), { intervalSeconds: 60, providerTimeoutMs: 1_000, providerAttempts: 1 }, new SnapshotStore(), new LiveFeed());
  const clock = new FakeClock(clockAt);
  const lease = new AdvisoryLease(store.databaseUrl, 'herck:market:ingestion', 'ingests market data', logger);
  const runner = new IngestionRunner(store.orm, service, lease, logger, 60, clock);
  runner.start();
  try {
    await runUntil(clock, until);
  } finally {
    await runner.stop();
  }
  const gaps = (await store.orm.em.fork().execute<{ round_time: Date; reason: string }[]>('SELECT round_time, reason FROM ingestion_gaps ORDER BY round_time')).map((g) => `${new Date(g.round_time).toISOString()} ${g.reason}`);
  const rounds = (await store.orm.em.fork().execute<{ time: Date }[]>('SELECT time FROM global_metrics ORDER BY time')).map((r) => new Date(r.time).toISOString());
  return { asked: provider.asked, gaps, rounds };
}

describe('a replica whose clock is behind the last round the store knows', () => {
  const iso = (time: number) => new Date(time).toISOString();

  it("leaves the old leader's stored rounds alone: its first round is the one after them", async () => {
    for (let time = T - 3 * INTERVAL_MS; time <= T; time += INTERVAL_MS) await writeRound(store.orm.em.fork(), round(time), 60);
    const { asked, gaps, rounds } = await takeOver(T - 2.5 * INTERVAL_MS, T + INTERVAL_MS + 1);
    expect(asked).toEqual([iso(T + INTERVAL_MS)]);
    expect(gaps).toEqual([]);
    expect(rounds).toEqual([-3, -2, -1, 0, 1].map((n) => iso(T + n * INTERVAL_MS)));
  });

  it('invents no gaps for the boundaries before the store\'s first round', async () => {
    await writeRound(store.orm.em.fork(), round(T), 60);
    const { asked, gaps, rounds } = await takeOver(T - 3.5 * INTERVAL_MS, T + INTERVAL_MS + 1);
    expect(asked).toEqual([iso(T + INTERVAL_MS)]);
    expect(gaps).toEqual([]);
    expect(rounds).toEqual([iso(T), iso(T + INTERVAL_MS)]);
  });

  it("keeps the gaps the old leader recorded as they are, not overwritten with this replica's prices", async () => {
    await writeRound(store.orm.em.fork(), round(T - 2 * INTERVAL_MS), 60);
    await recordGap(store.orm.em.fork(), new Date(T - INTERVAL_MS), 'steady: failed');
    await recordGap(store.orm.em.fork(), new Date(T), 'steady: failed');
    const { asked, gaps, rounds } = await takeOver(T - 1.5 * INTERVAL_MS, T + INTERVAL_MS + 1);
    expect(asked).toEqual([iso(T + INTERVAL_MS)]);
    expect(gaps).toEqual([`${iso(T - INTERVAL_MS)} steady: failed`, `${iso(T)} steady: failed`]);
    expect(rounds).toEqual([iso(T - 2 * INTERVAL_MS), iso(T + INTERVAL_MS)]);
  });

  it('still records the rounds missed while no replica ingested, once its clock is past the last one', async () => {
    await writeRound(store.orm.em.fork(), round(T - 3 * INTERVAL_MS), 60);
    const { asked, gaps } = await takeOver(T - 0.5 * INTERVAL_MS, T + INTERVAL_MS + 1);
    expect(asked).toEqual([iso(T), iso(T + INTERVAL_MS)]);
    expect(gaps.map((gap) => gap.slice(0, 24))).toEqual([iso(T - 2 * INTERVAL_MS), iso(T - INTERVAL_MS)]);
  });
});
