import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BinanceListing, LISTING_TTL_MS } from '../../src/modules/provider/binance-listing';
import { BinanceProvider } from '../../src/modules/provider/binance.provider';
import { ProviderCandle } from '../../src/modules/provider/market-provider';
import { JsonReader } from '../../src/modules/provider/provider-json';
import { FIXTURES_DIR } from './replay-server';
import { liveSignal, plainQuote, providerError, ROUND_TIME, useReplayServer } from './provider-test-kit';

const TICKER = '/api/v3/ticker/24hr';
const EXCHANGE_INFO = '/api/v3/exchangeInfo';
const KLINES = '/api/v3/klines';
const MINUTE = 60_000;

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), 'utf8')) as T;
}

/** The recorded exchangeInfo and tickers with some pairs removed, as Binance would answer after a delisting. */
function without<T extends { symbol: string }>(items: T[], ...symbols: string[]): T[] {
  return items.filter((item) => !symbols.includes(item.symbol));
}

function plainCandle(candle: ProviderCandle) {
  const { openTime, open, high, low, close, volume } = candle;
  return { openTime: openTime.toISOString(), open: open.toString(), high: high.toString(), low: low.toString(), close: close.toString(), volume: volume.toString() };
}

/** `count` one-minute klines from `start`, shaped like Binance's rows. */
function minuteKlines(start: number, count: number): unknown[][] {
  return Array.from({ length: count }, (_, i) => {
    const openTime = start + i * MINUTE;
    return [openTime, '104612.01000000', '104630.00000000', '104600.00000000', '104620.50000000', '3.21000000', openTime + MINUTE - 1, '335830.12000000', 512, '1.60000000', '167900.00000000', '0'];
  });
}

describe('Binance provider', () => {
  const server = useReplayServer();
  const provider = (timeoutMs?: number) => new BinanceProvider({ baseUrl: server().url, timeoutMs });

  beforeEach(() => {
    server().route('GET', EXCHANGE_INFO, { fixture: 'binance/exchange-info.json' });
    server().route('GET', TICKER, { fixture: 'binance/ticker-24hr.json' });
  });

  it('maps the recorded 24-hour tickers to exact decimals, without caps, 1-hour change, totals or FX', async () => {
    const round = await provider().fetchRound(['BTC', 'ETH', 'SOL'], ROUND_TIME, liveSignal());

    expect(round.quotes.map(plainQuote)).toEqual([
      { symbol: 'BTC', name: null, price: '104612.01', volume24h: '1187425570.05514683', marketCap: null, percentChange1h: null, percentChange24h: '-0.56' },
      { symbol: 'ETH', name: null, price: '2507.59', volume24h: '785618091.26774081', marketCap: null, percentChange1h: null, percentChange24h: '-1.317' },
      { symbol: 'SOL', name: null, price: '155.19', volume24h: '407770234.5243333', marketCap: null, percentChange1h: null, percentChange24h: '-0.913' },
    ]);
    expect(round.global).toBeNull();
    expect(round.fx).toEqual([]);
  });

  it('asks only for pairs Binance trades, so one unknown symbol does not sink the request', async () => {
    // USDT has no USDT pair, BCCUSDT is listed but not trading, NOTACOIN does not exist.
    const round = await provider().fetchRound(['BTC', 'USDT', 'BCC', 'NOTACOIN', 'ETH'], ROUND_TIME, liveSignal());

    expect(server().requestsTo(TICKER)[0].query).toEqual({ symbols: '["BTCUSDT","ETHUSDT"]' });
    expect(round.quotes.map((quote) => quote.symbol)).toEqual(['BTC', 'ETH']);
  });

  it('reads the listing once and reuses it', async () => {
    const binance = provider();
    await binance.fetchRound(['BTC'], ROUND_TIME, liveSignal());
    await binance.fetchRound(['ETH'], ROUND_TIME, liveSignal());
    await binance.fetchCandles('SOL', 'D1', new Date('2025-06-01T00:00:00Z'), new Date('2025-06-01T00:00:00Z'), liveSignal());

    expect(server().requestsTo(EXCHANGE_INFO)).toHaveLength(1);
    expect(server().requestsTo(EXCHANGE_INFO)[0].query).toEqual({ permissions: 'SPOT' });
  });

  it('reads the listing again once it is older than six hours', async () => {
    let now = Date.parse('2025-06-02T00:00:00Z');
    let loads = 0;
    const listing = new BinanceListing(
      async () => {
        loads++;
        return fixture('binance/exchange-info.json');
      },
      new JsonReader('binance'),
      () => now,
    );

    expect([...(await listing.usdtBaseAssets(liveSignal()))]).toEqual(['BTC', 'ETH', 'SOL']);
    now += LISTING_TTL_MS - 1;
    await listing.usdtBaseAssets(liveSignal());
    expect(loads).toBe(1);
    now += 1;
    await listing.usdtBaseAssets(liveSignal());
    expect(loads).toBe(2);
  });

  it('reloads the listing once when Binance rejects a pair it delisted since', async () => {
    const info = fixture<{ symbols: { symbol: string }[] }>('binance/exchange-info.json');
    const tickers = fixture<{ symbol: string }[]>('binance/ticker-24hr.json');
    // Newest route wins: the first listing still has SOL, the reload does not.
    server().route('GET', EXCHANGE_INFO, { body: { ...info, symbols: without(info.symbols, 'SOLUSDT') } });
    server().route('GET', EXCHANGE_INFO, { fixture: 'binance/exchange-info.json', times: 1 });
    server().route('GET', TICKER, { body: without(tickers, 'SOLUSDT'), query: { symbols: '["BTCUSDT","ETHUSDT"]' } });
    server().route('GET', TICKER, { status: 400, fixture: 'binance/error-invalid-symbol.json', query: { symbols: '["BTCUSDT","ETHUSDT","SOLUSDT"]' } });

    const round = await provider().fetchRound(['BTC', 'ETH', 'SOL'], ROUND_TIME, liveSignal());

    expect(round.quotes.map((quote) => quote.symbol)).toEqual(['BTC', 'ETH']);
    expect(server().requestsTo(EXCHANGE_INFO)).toHaveLength(2);
    expect(server().requestsTo(TICKER)).toHaveLength(2);
  });

  it("reports Binance's message when the invalid symbol persists", async () => {
    server().route('GET', TICKER, { status: 400, fixture: 'binance/error-invalid-symbol.json' });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('binance: GET /api/v3/ticker/24hr: HTTP 400: Invalid symbol. (code -1121)');
    expect(server().requestsTo(TICKER)).toHaveLength(2);
  });

  it('turns HTTP 429 into a ProviderError carrying Retry-After', async () => {
    server().route('GET', TICKER, { status: 429, fixture: 'binance/error-429.json', headers: { 'Retry-After': '41' } });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.retryAfterSeconds).toBe(41);
    expect(error.message).toMatch(/^binance: GET \/api\/v3\/ticker\/24hr: HTTP 429: Too much request weight used; .* \(code -1003\)$/);
  });

  it('gives up after timeoutMs', async () => {
    server().route('GET', TICKER, { fixture: 'binance/ticker-24hr.json', delayMs: 2_000 });

    const error = await providerError(provider(200).fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('binance: GET /api/v3/ticker/24hr timed out after 200 ms');
  });

  it('rejects malformed answers', async () => {
    server().route('GET', TICKER, { body: 'Service Unavailable' });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toBe('binance: GET /api/v3/ticker/24hr: the answer is not JSON');

    server().route('GET', TICKER, { body: [{ symbol: 'BTCUSDT', lastPrice: 'NaN', quoteVolume: '1', priceChangePercent: '0' }] });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toBe('binance: malformed answer: BTCUSDT.lastPrice is not a finite number');
  });

  it('maps recorded klines to candles and asks for the right window', async () => {
    server().route('GET', KLINES, { fixture: 'binance/klines-btcusdt-1h.json' });
    const from = new Date('2025-06-02T00:00:00Z');
    const to = new Date('2025-06-02T03:00:00Z');

    const candles = await provider().fetchCandles('BTC', 'H1', from, to, liveSignal());

    expect(candles.map(plainCandle)).toEqual([
      { openTime: '2025-06-02T00:00:00.000Z', open: '104281.53', high: '104719.2', low: '104103', close: '104612.01', volume: '43108745.76318021' },
      { openTime: '2025-06-02T01:00:00.000Z', open: '104612.01', high: '104985', low: '104488.88', close: '104930.11', volume: '40686601.47801112' },
      { openTime: '2025-06-02T02:00:00.000Z', open: '104930.12', high: '105010.99', low: '104590', close: '104702.35', volume: '31089011.2308442' },
    ]);
    expect(server().requestsTo(KLINES)[0].query).toEqual({ symbol: 'BTCUSDT', interval: '1h', startTime: String(from.getTime()), endTime: String(to.getTime() - 1), limit: '1000' });
  });

  it('pages through klines 1000 at a time until the end of the window', async () => {
    const start = Date.parse('2025-06-01T00:00:00Z');
    const end = start + 1500 * MINUTE;
    server().route('GET', KLINES, { body: minuteKlines(start, 1000), query: { startTime: String(start) } });
    server().route('GET', KLINES, { body: minuteKlines(start + 1000 * MINUTE, 500), query: { startTime: String(start + 1000 * MINUTE) } });

    const candles = await provider().fetchCandles('BTC', 'M1', new Date(start), new Date(end), liveSignal());

    expect(candles).toHaveLength(1500);
    expect(candles.every((candle, i) => candle.openTime.getTime() === start + i * MINUTE)).toBe(true);
    expect(server().requestsTo(KLINES).map((request) => request.query.startTime)).toEqual([String(start), String(start + 1000 * MINUTE)]);
  });

  it('returns no candles for an asset Binance does not list, without asking for them', async () => {
    const candles = await provider().fetchCandles('NOTACOIN', 'D1', new Date('2025-01-01T00:00:00Z'), new Date('2025-02-01T00:00:00Z'), liveSignal());

    expect(candles).toEqual([]);
    expect(server().requestsTo(KLINES)).toHaveLength(0);
  });
});
