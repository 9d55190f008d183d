import Decimal from 'decimal.js';
import { Logger } from '@herck/common';
import { CandleImportService, writeRound } from '../src';
import { AssetService } from '../src/modules/asset/asset.service';
import { HistoryRepository } from '../src/modules/history/history.repository';
import { IngestionService } from '../src/modules/ingestion/ingestion.service';
import { LiveFeed } from '../src/modules/live/live-feed';
import { MarketProvider, ProviderError } from '../src/modules/provider/market-provider';
import { ProviderStates } from '../src/modules/provider/provider-states';
import { SnapshotStore } from '../src/modules/snapshot/snapshot-store';
import { CoinGeckoProvider } from '../src/modules/provider/coingecko.provider';
import { ScriptedProvider, useReplayServer } from './providers/provider-test-kit';
import { useMarketStore } from './support/market-store';

/**
 * A round against the real database: the providers' health is written with
 * the round, and still written when the round itself cannot be.
 */
const store = useMarketStore();

const quote = (symbol: string, price: string) => ({ symbol, name: null, price: new Decimal(price), volume24h: null, marketCap: null, percentChange1h: null, percentChange24h: null });

const limited = new ScriptedProvider('limited', () => {
  throw new ProviderError('limited', '429 Too Many Requests', 120);
});
let price = '100';
const steady = new ScriptedProvider('steady', () => ({ quotes: [quote('BTC', price)], global: null, fx: [] }));

function service(): { ingestion: IngestionService; states: ProviderStates; published: number[] } {
  const states = new ProviderStates(['limited', 'steady'], 60);
  const live = new LiveFeed();
  const published: number[] = [];
  live.publishRound = (ticks) => void published.push(ticks.length);
  const ingestion = new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [limited, steady], states, { intervalSeconds: 60, providerTimeoutMs: 1_000, providerAttempts: 3 }, new SnapshotStore(), live);
  return { ingestion, states, published };
}

beforeAll(async () => {
  const em = store.orm.em.fork();
  await new AssetService().seed(em, ['BTC']);
  await new ProviderStates(['limited', 'steady'], 60).register(em);
});

/**
 * The rounds of the tests before are later than the next test's: forgotten (only the rounds' own rows),
 * for a round that comes to be written after a later one is left out (see writeRound).
 */
const forgetLaterRounds = () => store.orm.em.fork().execute('DELETE FROM global_metrics');

const providers = async (states: ProviderStates) => Object.fromEntries((await states.list(store.orm.em.fork(), new Date('2026-12-02T12:00:30Z'))).map((status) => [status.name, status]));

it('writes a round with what each provider said, then publishes it', async () => {
  const { ingestion, states, published } = service();
  await ingestion.runRound(new Date('2026-12-02T12:00:00Z'));
  expect(published).toEqual([1]);
  const status = await providers(states);
  expect(status.steady).toMatchObject({ lastSuccessAt: new Date('2026-12-02T12:00:00Z'), consecutiveFailures: 0 });
  expect(status.limited).toMatchObject({ lastError: 'limited: 429 Too Many Requests', consecutiveFailures: 1 });
  const [{ ticks }] = await store.orm.em.fork().execute<{ ticks: number }[]>('SELECT count(*)::int AS ticks FROM ticks');
  expect(ticks).toBe(1);
});

it("reads a candle as closed once its interval has ended, before the next round marks it so", async () => {
  const m1 = async (now: string) => {
    const history = new HistoryRepository(store.orm.em.fork(), () => Date.parse(now));
    const [candle] = await history.candles('BTC', 'M1', { from: new Date('2026-12-02T12:00:00Z'), to: new Date('2026-12-02T12:00:00Z'), first: 1, ascending: true, after: null });
    return candle;
  };
  // The first round (above) opened the 12:00 minute; no round has come since.
  expect(await m1('2026-12-02T12:00:59.999Z')).toMatchObject({ openTime: new Date('2026-12-02T12:00:00Z'), closed: false });
  expect(await m1('2026-12-02T12:01:00Z')).toMatchObject({ openTime: new Date('2026-12-02T12:00:00Z'), closed: true });
  const [{ stored }] = await store.orm.em.fork().execute<{ stored: boolean }[]>("SELECT closed AS stored FROM candles WHERE symbol = 'BTC' AND interval = 'M1' AND open_time = '2026-12-02T12:00:00Z'");
  expect(stored).toBe(false);
});

it('records a gap and still what the providers said when the round cannot be written, and publishes nothing', async () => {
  const { ingestion, states, published } = service();
  // A negative price breaks the ticks table's check: the round's transaction fails as a whole.
  price = '-1';
  await expect(ingestion.runRound(new Date('2026-12-02T12:01:00Z'))).rejects.toThrow();
  expect(published).toEqual([]);
  const status = await providers(states);
  expect(status.steady!.lastSuccessAt).toEqual(new Date('2026-12-02T12:01:00Z'));
  // Still waiting out its Retry-After (recorded by the first round): not asked, so no new failure.
  expect(status.limited).toMatchObject({ consecutiveFailures: 1, nextRunAt: new Date('2026-12-02T12:02:00Z') });
  const [{ rounds }] = await store.orm.em.fork().execute<{ rounds: number }[]>("SELECT count(*)::int AS rounds FROM global_metrics WHERE time = '2026-12-02T12:01:00Z'");
  expect(rounds).toBe(0);
  // A round that did not happen is a gap, with the reason: PostgreSQL's code (23514, a check failed), not the statement.
  const gaps = await store.orm.em.fork().execute<{ reason: string }[]>("SELECT reason FROM ingestion_gaps WHERE round_time = '2026-12-02T12:01:00Z'");
  expect(gaps).toEqual([{ reason: 'the round could not be stored: PostgreSQL error 23514' }]);
});

it('counts a Retry-After from when the 429 came, and names the first round it allows as the next run', async () => {
  const states = new ProviderStates(['limited', 'steady'], 60);
  // Sixty seconds asked 1.5 s into the 13:00 round: the 13:01 round is too early, 13:02 the first allowed.
  await states.record(store.orm.em.fork(), new Date('2026-12-02T13:00:00Z'), [{ name: 'limited', error: 'limited: 429', retryAfterSeconds: 60, failedAfterMs: 1_500 }]);
  const listed = Object.fromEntries((await states.list(store.orm.em.fork(), new Date('2026-12-02T13:00:30Z'))).map((status) => [status.name, status]));
  expect(listed.limited!.nextRunAt).toEqual(new Date('2026-12-02T13:02:00Z'));
  expect((await states.availabilityAt(store.orm.em.fork(), new Date('2026-12-02T13:01:00Z'))).get('limited')).toMatchObject({ available: false });
  expect((await states.availabilityAt(store.orm.em.fork(), new Date('2026-12-02T13:02:00Z'))).get('limited')).toEqual({ available: true });
});

it('refuses to switch a provider that is not configured (any more), leaving its row as it was', async () => {
  const states = new ProviderStates(['steady'], 60);
  expect(await states.setEnabled(store.orm.em.fork(), 'limited', false)).toBeNull();
  expect(await store.orm.em.fork().execute("SELECT enabled FROM providers WHERE name = 'limited'")).toEqual([{ enabled: true }]);
});

describe('a provider that fails transiently', () => {
  const server = useReplayServer();

  /** One round with `provider` alone, asked again after 20 ms at first; what was published and the provider's status after. */
  async function roundWith(provider: MarketProvider, time: string) {
    const states = new ProviderStates([provider.name], 60);
    await states.register(store.orm.em.fork());
    const live = new LiveFeed();
    const published: string[] = [];
    live.publishRound = (ticks) => void published.push(...ticks.map((tick) => `${tick.symbol} from ${tick.source}`));
    const settings = { intervalSeconds: 60, providerTimeoutMs: 5_000, providerAttempts: 3, firstRetryMs: 20 };
    await new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [provider], states, settings, new SnapshotStore(), live).runRound(new Date(time));
    const [status] = await states.list(store.orm.em.fork(), new Date(time));
    return { published, status: status! };
  }

  it('is asked again within the round, which keeps its prices', async () => {
    server().route('GET', '/api/v3/coins/markets', { fixture: 'coingecko/coins-markets.json' });
    server().route('GET', '/api/v3/coins/markets', { status: 502, body: '<html>Bad Gateway</html>', times: 1 });
    server().route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });

    const { published, status } = await roundWith(new CoinGeckoProvider({ baseUrl: server().url }), '2026-12-02T14:00:00Z');

    expect(server().requestsTo('/api/v3/coins/markets')).toHaveLength(2);
    expect(published).toEqual(['BTC from coingecko']);
    expect(status).toMatchObject({ name: 'coingecko', lastSuccessAt: new Date('2026-12-02T14:00:00Z'), consecutiveFailures: 0 });
  });

  it('fails the round after its attempts when it stays down, and its error says how many', async () => {
    server().route('GET', '/api/v3/coins/markets', { status: 503, body: '' });
    server().route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });

    const { published, status } = await roundWith(new CoinGeckoProvider({ baseUrl: server().url }), '2026-12-02T14:01:00Z');

    expect(server().requestsTo('/api/v3/coins/markets')).toHaveLength(3);
    expect(published).toEqual([]);
    expect(status).toMatchObject({ lastError: 'coingecko: GET /api/v3/coins/markets: HTTP 503 (3 attempts)', consecutiveFailures: 1 });
  });
});

describe('a round whose write fails for a moment', () => {
  it('is written again within the round, without asking the providers again', async () => {
    let asked = 0;
    const counted = new ScriptedProvider('steady', () => ((asked += 1), { quotes: [quote('BTC', '101')], global: null, fx: [] }));
    // The connection drops inside the round's first transaction (as when PostgreSQL restarted under a pooled connection).
    class DroppingStates extends ProviderStates {
      drops = 1;
      override async record(...args: Parameters<ProviderStates['record']>): Promise<void> {
        if (this.drops-- > 0) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
        return super.record(...args);
      }
    }
    const states = new DroppingStates(['steady'], 60);
    const live = new LiveFeed();
    const published: number[] = [];
    live.publishRound = (ticks) => void published.push(ticks.length);
    const settings = { intervalSeconds: 3_600, providerTimeoutMs: 1_000, providerAttempts: 3, firstRetryMs: 20 };
    // A round of now: a retry must end before the next round (an hour on here).
    const roundTime = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [counted], states, settings, new SnapshotStore(), live).runRound(roundTime);

    expect({ asked, published, drops: states.drops }).toEqual({ asked: 1, published: [1], drops: -1 });
    const stored = await store.orm.em.fork().execute<{ price: string }[]>("SELECT price::text FROM ticks WHERE symbol = 'BTC' AND time = ?", [roundTime]);
    expect(stored).toEqual([{ price: '101' }]);
    expect(await store.orm.em.fork().execute('SELECT 1 FROM ingestion_gaps WHERE round_time = ?', [roundTime])).toEqual([]);
  });
});

describe('a round without ticks whose write fails', () => {
  /** States whose record of the providers' health fails `conflicts` times with a serialization failure, which may pass. */
  class ConflictingStates extends ProviderStates {
    constructor(public conflicts: number) {
      super(['silent'], 3_600);
    }
    override async record(...args: Parameters<ProviderStates['record']>): Promise<void> {
      if (this.conflicts-- > 0) throw Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });
      return super.record(...args);
    }
  }
  const silent = new ScriptedProvider('silent', () => ({ quotes: [], global: null, fx: [] }));
  const settings = { intervalSeconds: 3_600, providerTimeoutMs: 1_000, providerAttempts: 3, firstRetryMs: 20 };
  const run = (states: ProviderStates, roundTime: Date) =>
    new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [silent], states, settings, new SnapshotStore(), new LiveFeed()).runRound(roundTime);
  const gapsAt = (roundTime: Date) => store.orm.em.fork().execute<{ reason: string }[]>('SELECT reason FROM ingestion_gaps WHERE round_time = ?', [roundTime]);
  const silentStatus = async (states: ProviderStates) => (await states.list(store.orm.em.fork(), new Date()))[0];
  /** A round within this hour, two and a half minutes in: none of the rounds above (the retries' deadline is the next round, an hour on). */
  const roundTime = () => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 150_000);

  beforeAll(() => new ProviderStates(['silent'], 3_600).register(store.orm.em.fork()));

  it('is written again within the round: its gap and the providers\' health are recorded once', async () => {
    const states = new ConflictingStates(1);
    const time = roundTime();
    await run(states, time);
    expect(states.conflicts).toBe(-1);
    expect(await gapsAt(time)).toEqual([{ reason: 'no provider quoted a tracked asset (silent: answered with no quote for BTC)' }]);
    expect(await silentStatus(states)).toMatchObject({ lastSuccessAt: time, consecutiveFailures: 0 });
  });

  it('is still a gap with the providers\' health when it keeps failing', async () => {
    await store.orm.em.fork().execute('DELETE FROM ingestion_gaps');
    // Each of the round's three attempts meets the conflict; the gap's own transaction after them does not.
    const states = new ConflictingStates(3);
    const time = new Date(roundTime().getTime() + 60_000);
    await expect(run(states, time)).rejects.toThrow('could not serialize access');
    expect(await gapsAt(time)).toEqual([{ reason: 'no provider quoted a tracked asset (silent: answered with no quote for BTC)' }]);
    expect(await silentStatus(states)).toMatchObject({ lastSuccessAt: time });
  });
});

describe('a round whose opening reads fail', () => {
  /** States whose read of the providers' switches fails `drops` times with a lost connection, as when PostgreSQL restarted under a pooled connection. */
  class FailingReads extends ProviderStates {
    constructor(public drops: number) {
      super(['steady'], 3_600);
    }
    override async availabilityAt(...args: Parameters<ProviderStates['availabilityAt']>) {
      if (this.drops-- > 0) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      return super.availabilityAt(...args);
    }
  }
  const settings = { intervalSeconds: 3_600, providerTimeoutMs: 1_000, providerAttempts: 3, firstRetryMs: 20 };
  const run = (states: ProviderStates, roundTime: Date) =>
    new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [steady], states, settings, new SnapshotStore(), new LiveFeed()).runRound(roundTime);

  /**
   * A round within this hour (its retries' deadline is the next round, an hour on), half a minute past a whole
   * minute: never the round of this minute that a test above stored (in an hour's first minute that was the
   * hour itself, and the blip's round failed on its ticks' key).
   */
  const thisHour = (offsetMs: number) => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + offsetMs);

  it('reads again within the round after a blip, and the round is stored', async () => {
    await forgetLaterRounds();
    price = '103';
    const roundTime = thisHour(30_000);
    await run(new FailingReads(1), roundTime);
    expect(await store.orm.em.fork().execute("SELECT price::text FROM ticks WHERE symbol = 'BTC' AND time = ?", [roundTime])).toEqual([{ price: '103' }]);
  });

  it('is a gap with its reason when they keep failing, not a silent hole in the history', async () => {
    const roundTime = thisHour(90_000);
    await expect(run(new FailingReads(10), roundTime)).rejects.toThrow('Connection terminated unexpectedly');
    const gaps = await store.orm.em.fork().execute<{ reason: string }[]>('SELECT reason FROM ingestion_gaps WHERE round_time = ?', [roundTime]);
    expect(gaps).toEqual([{ reason: 'the round could not be prepared: Connection terminated unexpectedly' }]);
  });
});

describe('a round found stored already', () => {
  it('(an attempt whose commit went through before its connection dropped) is published from the store, its providers not counted again', async () => {
    // The latest round stored (after this minute's, of the tests above): a round with a later one stored leaves its current candles to that one.
    const roundTime = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
    const steadyRound = { quotes: [quote('BTC', '102')], global: null, fx: [] };
    // The attempt that committed: the round and its candles are in the store.
    await writeRound(store.orm.em.fork(), { time: roundTime, ticks: [{ ...steadyRound.quotes[0]!, time: roundTime, quoteCurrency: 'USD', source: 'steady' }], global: null, globalSource: null, fx: [] }, 60);
    class CountingStates extends ProviderStates {
      recorded = 0;
      override async record(...args: Parameters<ProviderStates['record']>): Promise<void> {
        this.recorded += 1;
        return super.record(...args);
      }
    }
    const states = new CountingStates(['steady'], 60);
    const live = new LiveFeed();
    const published = { ticks: 0, candles: [] as string[] };
    live.publishRound = (ticks) => void (published.ticks += ticks.length);
    live.publishCandles = (candles) => void published.candles.push(...candles.map((candle) => `${candle.symbol} ${candle.interval}`));
    const settings = { intervalSeconds: 60, providerTimeoutMs: 1_000, providerAttempts: 3 };
    await new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, [new ScriptedProvider('steady', () => steadyRound)], states, settings, new SnapshotStore(), live).runRound(roundTime);

    expect(states.recorded).toBe(0);
    expect(published.ticks).toBe(1);
    // The round's current candle of every interval, read back as a standby replica reads them.
    expect(published.candles).toEqual(expect.arrayContaining(['BTC M1', 'BTC M5', 'BTC M15', 'BTC H1', 'BTC H4', 'BTC D1']));
  });
});

describe('candles built from rounds', () => {
  const tick = (time: Date, price: string, volume24h: string | null) =>
    Object.assign(new (class {})(), { symbol: 'ETH', price: new Decimal(price), quoteCurrency: 'USD', volume24h: volume24h === null ? null : new Decimal(volume24h), marketCap: null, percentChange1h: null, percentChange24h: null, source: 'steady', time }) as never;
  const round = (at: string, price: string, volume24h: string | null) => ({ time: new Date(at), ticks: [tick(new Date(at), price, volume24h)], global: null, globalSource: null, fx: [] });

  it('open the first tick, close the last, high and low exact to every digit, volume the 24-hour share of each round, per UTC period', async () => {
    await forgetLaterRounds();
    await new AssetService().seed(store.orm.em.fork(), ['ETH']);
    // Three 20-second rounds in the last minute of an H4 period (23:59), then one in the next day's first minute.
    await writeRound(store.orm.em.fork(), round('2026-12-02T23:59:00Z', '2507.123456789012345678', '86400'), 20);
    await writeRound(store.orm.em.fork(), round('2026-12-02T23:59:20Z', '2600.000000000000000001', '172800.5'), 20);
    await writeRound(store.orm.em.fork(), round('2026-12-02T23:59:40Z', '0.000000000000000001', null), 20);
    await writeRound(store.orm.em.fork(), round('2026-12-03T00:00:00Z', '2550.10', '86400'), 20);

    const history = new HistoryRepository(store.orm.em.fork(), () => Date.parse('2026-12-03T00:00:10Z'));
    const page = { from: new Date('2026-12-02T00:00:00Z'), to: new Date('2026-12-04T00:00:00Z'), first: 10, ascending: true, after: null };
    const plain = (candle: { openTime: Date; closeTime: Date; open: Decimal; high: Decimal; low: Decimal; close: Decimal; volume: Decimal; tickCount: number; closed: boolean }) => ({
      openTime: candle.openTime.toISOString(),
      closeTime: candle.closeTime.toISOString(),
      ohlcv: [candle.open, candle.high, candle.low, candle.close, candle.volume].map((value) => value.toFixed()),
      tickCount: candle.tickCount,
      closed: candle.closed,
    });
    // 86400 a day over 20 s is 20; 172800.5 is 40.00011574 (8 decimals, rounded); no 24-hour volume adds nothing.
    const lastMinute = ['2507.123456789012345678', '2600.000000000000000001', '0.000000000000000001', '0.000000000000000001', '60.00011574'];
    const expected = {
      M1: { openTime: '2026-12-02T23:59:00.000Z', closeTime: '2026-12-03T00:00:00.000Z' },
      M5: { openTime: '2026-12-02T23:55:00.000Z', closeTime: '2026-12-03T00:00:00.000Z' },
      M15: { openTime: '2026-12-02T23:45:00.000Z', closeTime: '2026-12-03T00:00:00.000Z' },
      H1: { openTime: '2026-12-02T23:00:00.000Z', closeTime: '2026-12-03T00:00:00.000Z' },
      H4: { openTime: '2026-12-02T20:00:00.000Z', closeTime: '2026-12-03T00:00:00.000Z' },
      D1: { openTime: '2026-12-02T00:00:00.000Z', closeTime: '2026-12-03T00:00:00.000Z' },
    } as const;
    for (const [interval, period] of Object.entries(expected)) {
      const candles = (await history.candles('ETH', interval as keyof typeof expected, page)).map(plain);
      const next = new Date(period.closeTime);
      expect([interval, candles]).toEqual([
        interval,
        [
          { ...period, ohlcv: lastMinute, tickCount: 3, closed: true },
          { openTime: period.closeTime, closeTime: new Date(next.getTime() + (Date.parse(period.closeTime) - Date.parse(period.openTime))).toISOString(), ohlcv: ['2550.1', '2550.1', '2550.1', '2550.1', '20'], tickCount: 1, closed: false },
        ],
      ]);
    }
  });

  it('count their changes, and each announcement of one carries the count: consumers keep the newest', async () => {
    // A minute of three ticks, closed by the next round; an import then replaces its figures, closed as it is.
    for (const [at, price] of [['10:00:00', '2500'], ['10:00:20', '2600'], ['10:00:40', '0.000000000000000001'], ['10:01:00', '2550.10']]) {
      await writeRound(store.orm.em.fork(), round(`2026-12-04T${at}Z`, price!, '86400'), 20);
    }
    const openTime = new Date('2026-12-04T10:00:00Z');
    const d = (value: string) => new Decimal(value);
    await new CandleImportService(() => Date.parse('2026-12-04T10:01:10Z')).write(store.orm.em.fork(), 'ETH', 'M1', [{ line: 2, openTime, open: d('2500'), high: d('2610'), low: d('2490'), close: d('2550'), volume: d('75') }]);
    const announced = await store.orm.em
      .fork()
      .execute<{ payload: { close: string; revision: number } }[]>("SELECT payload FROM outbox WHERE type = 'market.candle' AND payload->>'symbol' = 'ETH' AND payload->>'interval' = 'M1' AND payload->>'openTime' = ? ORDER BY seq", [openTime.toISOString()]);
    expect(announced.map(({ payload }) => [payload.close, payload.revision])).toEqual([
      ['0.000000000000000001', 3],
      ['2550', 4],
    ]);
  });

  describe('credit each candle only the time within its period', () => {
    // 86400 a day is 1 a second: each candle's volume reads as the seconds credited to it.
    const roundOf = (symbol: string, at: string) => {
      const written = round(at, '100', '86400');
      (written.ticks[0] as { symbol: string }).symbol = symbol;
      return written;
    };
    const volumes = async (symbol: string) =>
      Object.fromEntries(
        (await store.orm.em.fork().execute<{ interval: string; open_time: Date; volume: string }[]>('SELECT interval, open_time, volume::text FROM candles WHERE symbol = ? ORDER BY interval, open_time', [symbol])).map((row) => [
          `${row.interval} ${new Date(row.open_time).toISOString().slice(8, 16)}`,
          row.volume,
        ]),
      );

    it('rounds longer than a candle: a 5-minute round gives an M1 candle one minute of volume, the longer candles all of it', async () => {
      await new AssetService().seed(store.orm.em.fork(), ['LINK']);
      for (const at of ['12:00', '12:05', '12:10']) await writeRound(store.orm.em.fork(), roundOf('LINK', `2026-12-04T${at}:00Z`), 300);
      expect(await volumes('LINK')).toEqual({
        'D1 04T00:00': '900',
        'H1 04T12:00': '900',
        'H4 04T12:00': '900',
        'M1 04T12:00': '60',
        'M1 04T12:05': '60',
        'M1 04T12:10': '60',
        'M15 04T12:00': '900',
        'M5 04T12:00': '300',
        'M5 04T12:05': '300',
        'M5 04T12:10': '300',
      });
    });

    it('rounds that do not divide a day: the minutes of a round after midnight go to the next day, none lost or counted twice', async () => {
      await new AssetService().seed(store.orm.em.fork(), ['DOT']);
      // 7-minute rounds fall on multiples of 7 minutes since the epoch: 23:57 runs 4 minutes into the next day.
      for (const at of ['04T23:43', '04T23:50', '04T23:57', '05T00:04', '05T00:11']) await writeRound(store.orm.em.fork(), roundOf('DOT', `2026-12-${at}:00Z`), 420);
      const credited = await volumes('DOT');
      // The day before: 23:43 to midnight; the next day: midnight to the end of the 00:11 round (00:18). Likewise the hours.
      expect([credited['D1 04T00:00'], credited['D1 05T00:00']]).toEqual(['1020', '1080']);
      expect([credited['H1 04T23:00'], credited['H1 05T00:00']]).toEqual(['1020', '1080']);
      // Five rounds of 7 minutes: 2100 seconds in all, as before, split at midnight.
      expect(Number(credited['D1 04T00:00']) + Number(credited['D1 05T00:00'])).toBe(5 * 420);
      // A quarter hour gets what falls in it: 23:43–23:45, 23:45–24:00, 00:00–00:15 (00:15–00:18 is the 00:18 tick's, in its quarter).
      expect([credited['M15 04T23:30'], credited['M15 04T23:45'], credited['M15 05T00:00']]).toEqual(['120', '900', '900']);
    });

    it('rounds missed in a period that has ended: their time stays out of the next candle (the ended one is closed and announced)', async () => {
      await new AssetService().seed(store.orm.em.fork(), ['XLM']);
      // 01:49 and 01:56 are missed; the 02:03 tick stands for their time only from 02:00 in its hour, all of it in its day.
      for (const at of ['01:42', '02:03']) await writeRound(store.orm.em.fork(), roundOf('XLM', `2026-12-05T${at}:00Z`), 420);
      const credited = await volumes('XLM');
      expect([credited['H1 05T01:00'], credited['H1 05T02:00'], credited['D1 05T00:00']]).toEqual(['420', '600', '1680']);
    });
  });
});

describe('tracked assets no provider quoted', () => {
  it('are named in a warning when the set of them changes, not every round, and an info line says when all are quoted again', async () => {
    await new AssetService().track(store.orm.em.fork(), 'SOL', null);
    const tracked = (await store.orm.em.fork().execute<{ symbol: string }[]>('SELECT symbol FROM assets WHERE tracked ORDER BY symbol')).map((row) => row.symbol);
    const lines: { level: string; msg: string; symbols?: string[] }[] = [];
    const logger = new Logger('market', 'info', {}, (line) => void lines.push(JSON.parse(line)));
    let quoted = ['BTC'];
    const partial = new ScriptedProvider('steady', () => ({ quotes: quoted.map((symbol) => quote(symbol, '100')), global: null, fx: [] }));
    const ingestion = new IngestionService({ orm: store.orm, logger, publishEvents: () => undefined }, [partial], new ProviderStates(['steady'], 60), { intervalSeconds: 60, providerTimeoutMs: 1_000, providerAttempts: 1 }, new SnapshotStore(), new LiveFeed());
    const about = () => lines.filter((line) => /quote/.test(line.msg)).map(({ level, msg, symbols }) => ({ level, msg, symbols }));

    await ingestion.runRound(new Date('2026-12-05T10:00:00Z'));
    await ingestion.runRound(new Date('2026-12-05T10:01:00Z'));
    const unquoted = tracked.filter((symbol) => symbol !== 'BTC');
    expect(about()).toEqual([{ level: 'warn', msg: 'no provider quoted these tracked assets', symbols: unquoted }]);

    quoted = tracked;
    await ingestion.runRound(new Date('2026-12-05T10:02:00Z'));
    await ingestion.runRound(new Date('2026-12-05T10:03:00Z'));
    expect(about()).toEqual([
      { level: 'warn', msg: 'no provider quoted these tracked assets', symbols: unquoted },
      { level: 'info', msg: 'every tracked asset is quoted again', symbols: undefined },
    ]);
  });
});
