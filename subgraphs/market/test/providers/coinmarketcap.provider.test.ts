import { CoinMarketCapProvider } from '../../src/modules/provider/coinmarketcap.provider';
import { liveSignal, plainGlobal, plainQuote, providerError, ROUND_TIME, useReplayServer } from './provider-test-kit';

const QUOTES = '/v1/cryptocurrency/quotes/latest';
const GLOBAL = '/v1/global-metrics/quotes/latest';

describe('CoinMarketCap provider', () => {
  const server = useReplayServer();
  const provider = (timeoutMs?: number) => new CoinMarketCapProvider({ baseUrl: server().url, apiKey: 'cmc-test-key', timeoutMs });

  beforeEach(() => {
    server().route('GET', QUOTES, { fixture: 'coinmarketcap/quotes-latest.json' });
    server().route('GET', GLOBAL, { fixture: 'coinmarketcap/global-metrics-latest.json' });
  });

  it('maps the recorded quotes and global metrics to exact decimals', async () => {
    const round = await provider().fetchRound(['BTC', 'ETH', 'SOL'], ROUND_TIME, liveSignal());

    expect(round.quotes.map(plainQuote)).toEqual([
      {
        symbol: 'BTC',
        name: 'Bitcoin',
        price: '104623.48217712838',
        volume24h: '38215460521.50834',
        marketCap: '2079415014330.1277',
        percentChange1h: '0.13420871',
        percentChange24h: '-0.48562146',
      },
      {
        symbol: 'ETH',
        name: 'Ethereum',
        price: '2507.8312953427835',
        volume24h: '14611932067.03712',
        marketCap: '302756676539.3816',
        percentChange1h: '-0.05532709',
        percentChange24h: '-1.39250611',
      },
      {
        symbol: 'SOL',
        name: 'Solana',
        price: '155.2209116325281',
        volume24h: '3120448816.0915203',
        marketCap: '81317338014.70737',
        percentChange1h: '0.29103338',
        percentChange24h: '-0.94117105',
      },
    ]);
    expect(plainGlobal(round.global)).toEqual({
      totalMarketCap: '3301689451620.6406',
      totalVolume24h: '91567329810.88',
      btcDominance: '62.980421',
      activeCryptocurrencies: 9638,
    });
    expect(round.fx).toEqual([]);
  });

  it('sends the API key and asks for USD, skipping symbols CMC does not know', async () => {
    await provider().fetchRound(['BTC', 'eth', 'BTC'], ROUND_TIME, liveSignal());

    const [quotes] = server().requestsTo(QUOTES);
    expect(quotes.headers['x-cmc_pro_api_key']).toBe('cmc-test-key');
    expect(quotes.query).toEqual({ symbol: 'BTC,ETH', convert: 'USD', skip_invalid: 'true' });
    const [global] = server().requestsTo(GLOBAL);
    expect(global.headers['x-cmc_pro_api_key']).toBe('cmc-test-key');
    expect(global.query).toEqual({ convert: 'USD' });
  });

  it('leaves out symbols missing from the answer', async () => {
    const round = await provider().fetchRound(['BTC', 'NOTACOIN'], ROUND_TIME, liveSignal());
    expect(round.quotes.map((quote) => quote.symbol)).toEqual(['BTC']);
  });

  it('reads the newer list-per-symbol shape and takes the coin with the largest market cap', async () => {
    server().route('GET', QUOTES, { fixture: 'coinmarketcap/quotes-latest-v2.json' });

    const round = await provider().fetchRound(['BTC'], ROUND_TIME, liveSignal());

    expect(round.quotes.map(plainQuote)).toEqual([expect.objectContaining({ symbol: 'BTC', name: 'Bitcoin', price: '104623.48217712838', marketCap: '2079415014330.1277' })]);
  });

  it('turns HTTP 429 into a ProviderError carrying Retry-After', async () => {
    server().route('GET', QUOTES, { status: 429, fixture: 'coinmarketcap/error-429.json', headers: { 'Retry-After': '60' } });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.provider).toBe('coinmarketcap');
    expect(error.retryAfterSeconds).toBe(60);
    expect(error.message).toBe(
      "coinmarketcap: GET /v1/cryptocurrency/quotes/latest: HTTP 429: You've exceeded your API Key's HTTP request rate limit. Rate limits reset every minute. (error_code 1008)",
    );
  });

  it("reports CMC's own message for an error status", async () => {
    server().route('GET', QUOTES, { status: 401, fixture: 'coinmarketcap/error-401.json' });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('coinmarketcap: GET /v1/cryptocurrency/quotes/latest: HTTP 401: This API Key is invalid. (error_code 1001)');
    expect(error.retryAfterSeconds).toBeNull();
  });

  it('keeps its quotes when its plan does not give the market-wide figures, and says why', async () => {
    server().route('GET', GLOBAL, { body: { status: { error_code: 1006, error_message: 'Your API Key subscription plan does not support this endpoint.' } } });

    const round = await provider().fetchRound(['BTC'], ROUND_TIME, liveSignal());

    expect([round.quotes.map((quote) => quote.symbol), round.global]).toEqual([['BTC'], null]);
    expect(round.globalError).toMatch(/does not support this endpoint\. \(error_code 1006\)$/);
  });

  it('treats an error status inside an HTTP 200 answer as a failure', async () => {
    server().route('GET', GLOBAL, { body: { status: { error_code: 1006, error_message: 'Your API Key subscription plan does not support this endpoint.' } } });

    const error = await providerError(provider().fetchRound([], ROUND_TIME, liveSignal()));

    expect(error.message).toMatch(/does not support this endpoint\. \(error_code 1006\)$/);
  });

  it('gives up after timeoutMs', async () => {
    server().route('GET', QUOTES, { fixture: 'coinmarketcap/quotes-latest.json', delayMs: 2_000 });

    const error = await providerError(provider(200).fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('coinmarketcap: GET /v1/cryptocurrency/quotes/latest timed out after 200 ms');
  });

  it('rejects an answer that is not JSON', async () => {
    server().route('GET', QUOTES, { body: '<html><body>Bad gateway</body></html>' });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('coinmarketcap: GET /v1/cryptocurrency/quotes/latest: the answer is not JSON');
  });

  it('rejects JSON of the wrong shape, and negative prices', async () => {
    server().route('GET', GLOBAL, { body: { status: { error_code: 0 }, data: [] } });
    expect((await providerError(provider().fetchRound([], ROUND_TIME, liveSignal()))).message).toBe('coinmarketcap: malformed answer: data is not an object');

    server().route('GET', GLOBAL, { fixture: 'coinmarketcap/global-metrics-latest.json' });
    server().route('GET', QUOTES, { body: { status: { error_code: 0 }, data: { BTC: { name: 'Bitcoin', quote: { USD: { price: -1 } } } } } });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toBe(
      'coinmarketcap: malformed answer: data.BTC.quote.USD.price is not a number of at least 0',
    );
  });
});
