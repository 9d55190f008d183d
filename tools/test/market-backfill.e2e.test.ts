import path from 'node:path';
import pg from 'pg';
import { Logger, repositoryRoot, TestEnvironment, testEnvironment } from '@herck/common';
import { readMarketConfig, startMarketService } from '@herck/market';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { runCli } from './support/run-cli';

const CLI = path.join(repositoryRoot(), 'tools', 'dist', 'src', 'market-backfill.js');
const KLINES = '/api/v3/klines';
const FROM = '2025-06-02';
const TO = '2025-06-02T03:00:00Z';

describe('npm run market:backfill', () => {
  let replay: ReplayServer;
  let test: TestEnvironment;
  let market: pg.Client;

  /** Runs the CLI without blocking this process: the replay server answering it lives here. */
  const backfill = (...args: string[]) => runCli(CLI, args, { ...test.env, BINANCE_BASE_URL: replay.url });

  const storedCandles = async () =>
    (
      await market.query<{ open_time: Date; open: string; high: string; low: string; close: string; volume: string; tick_count: number; closed: boolean }>(
        `SELECT open_time, open::text, high::text, low::text, close::text, volume::text, tick_count, closed
         FROM candles WHERE symbol = 'BTC' AND interval = 'H1' ORDER BY open_time`,
      )
    ).rows.map((row) => ({ ...row, open_time: row.open_time.toISOString() }));

  beforeAll(async () => {
    replay = await ReplayServer.start();
    replay.route('GET', '/api/v3/exchangeInfo', { fixture: 'binance/exchange-info.json' });
    replay.route('GET', KLINES, { query: { symbol: 'BTCUSDT', interval: '1h', startTime: String(Date.parse(FROM)) }, fixture: 'binance/klines-btcusdt-1h.json' });
    test = testEnvironment({ MARKET_INGEST: 'false' });
    // One start creates the market database, runs its migrations and tracks the default assets.
    const service = await startMarketService(readMarketConfig(test.env), new Logger('market', 'error'), { providers: [] });
    await service.stop();
    market = new pg.Client({ connectionString: readMarketConfig(test.env).databaseUrl });
    await market.connect();
  });
  afterAll(async () => {
    await market?.end();
    await replay?.stop();
    await test?.cleanUp();
  });

  it("writes Binance's klines as closed candles with their exact figures, and a second run changes nothing", async () => {
    const first = await backfill('--symbol', 'btc', '--interval', 'h1', '--from', FROM, '--to', TO);

    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe('BTC H1 2025-06-02T00:00:00.000Z – 2025-06-02T03:00:00.000Z: 3 imported, 0 unchanged');
    expect(replay.requestsTo(KLINES).map((request) => request.query)).toEqual([
      { symbol: 'BTCUSDT', interval: '1h', startTime: '1748822400000', endTime: '1748833199999', limit: '1000' },
    ]);
    const expected = [
      { open_time: '2025-06-02T00:00:00.000Z', open: '104281.53', high: '104719.2', low: '104103', close: '104612.01', volume: '43108745.76318021', tick_count: 0, closed: true },
      { open_time: '2025-06-02T01:00:00.000Z', open: '104612.01', high: '104985', low: '104488.88', close: '104930.11', volume: '40686601.47801112', tick_count: 0, closed: true },
      { open_time: '2025-06-02T02:00:00.000Z', open: '104930.12', high: '105010.99', low: '104590', close: '104702.35', volume: '31089011.2308442', tick_count: 0, closed: true },
    ];
    expect(await storedCandles()).toEqual(expected);

    const second = await backfill('--symbol', 'BTC', '--interval', 'H1', '--from', FROM, '--to', TO);

    expect(second.status).toBe(0);
    expect(second.stdout.trim()).toBe('BTC H1 2025-06-02T00:00:00.000Z – 2025-06-02T03:00:00.000Z: 0 imported, 3 unchanged');
    expect(await storedCandles()).toEqual(expected);
  });

  it('says so when Binance has no candles for a known asset', async () => {
    // USDT is tracked by default, but has no USDT pair.
    const run = await backfill('--symbol', 'USDT', '--interval', 'H1', '--from', FROM, '--to', TO);

    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/Binance has no USDTUSDT candles/);
    expect(run.stdout).toMatch(/USDT H1 .*: 0 imported, 0 unchanged/);
  });

  it('refuses bad arguments, an unknown asset and ranges over 100 000 candles, with exit code 1 and a message', async () => {
    const asked = replay.requestsTo(KLINES).length;
    const refusals: [string[], RegExp][] = [
      [['--symbol', 'BTC', '--interval', 'H1', '--from', FROM], /--symbol, --interval, --from and --to are required/],
      [['--symbol', 'BTC', '--interval', 'H2', '--from', FROM, '--to', TO], /--interval must be one of M1, M5, M15, H1, H4, D1/],
      [['--symbol', 'BTC', '--interval', 'H1', '--from', TO, '--to', FROM], /--from must be before --to/],
      [['--symbol', 'BTC', '--interval', 'H1', '--from', '2025-02-30', '--to', TO], /--from must be a UTC date .* got "2025-02-30"/],
      [['--symbol', 'BTC', '--interval', 'H1', '--from', '02/06/2025', '--to', TO], /--from must be a UTC date/],
      [['--symbol', 'BTC', '--interval', 'H1', '--from', '2025-06-02T00:10:00Z', '--to', '2025-06-02T00:50:00Z'], /no H1 candle opens from/],
      [['--symbol', 'BTC', '--interval', 'D1', '--from', '2999-01-01', '--to', '2999-02-01'], /no D1 candle from 2999-01-01 to 2999-02-01 has closed yet/],
      [['--symbol', 'BTC', '--interval', 'M1', '--from', '2024-01-01', '--to', '2025-01-01'], /holds 527040 M1 candles; one run takes at most 100000/],
      [['--symbol', 'B-T-C', '--interval', 'H1', '--from', FROM, '--to', TO], /--symbol must be a ticker symbol/],
      [['--symbol', 'BTC', '--interval', 'H1', '--from', FROM, '--to', TO, '--limit', '5'], /Unknown option '--limit'/],
      [['--symbol', 'NOTACOIN', '--interval', 'H1', '--from', FROM, '--to', TO], /no asset NOTACOIN is known/],
    ];
    for (const [args, message] of refusals) {
      const run = await backfill(...args);
      expect({ args, status: run.status, stdout: run.stdout }).toEqual({ args, status: 1, stdout: '' });
      expect(run.stderr).toMatch(/^Invalid arguments:/);
      expect(run.stderr).toMatch(message);
    }
    expect(replay.requestsTo(KLINES)).toHaveLength(asked);
    expect(await storedCandles()).toHaveLength(3);
    // Eleven CLI runs one after the other: a loaded machine takes several times the idle 12 s.
  }, 240_000);
});
