import { CoinGeckoProvider, coingeckoKeyHeader } from '../../src/modules/provider/coingecko.provider';
import { liveSignal, plainGlobal, plainQuote, providerError, ROUND_TIME, useReplayServer } from './provider-test-kit';

const MARKETS = '/api/v3/coins/markets';
const GLOBAL = '/api/v3/global';

describe('CoinGecko provider', () => {
  const server = useReplayServer();
  const provider = (options: { apiKey?: string; timeoutMs?: number } = {}) => new CoinGeckoProvider({ baseUrl: server().url, ...options });

  beforeEach(() => {
    server().route('GET', MARKETS, { fixture: 'coingecko/coins-markets.json' });
    server().route('GET', GLOBAL, { fixture: 'coingecko/global.json' });
  });

  it('maps the recorded markets and global data to exact decimals', async () => {
    const round = await provider().fetchRound(['BTC', 'ETH', 'SOL'], ROUND_TIME, liveSignal());

    expect(round.quotes.map(plainQuote)).toEqual([
      {
        symbol: 'BTC',
        name: 'Bitcoin',
        price: '104612',
        volume24h: '38001292231',
        marketCap: '2079185036718',
        percentChange1h: '0.1297353911364926',
        percentChange24h: '-0.5806606215148744',
      },
      {
        symbol: 'ETH',
        name: 'Ethereum',
        price: '2507.6',
        volume24h: '14500216734',
        marketCap: '302729314911',
        percentChange1h: '-0.04910358003617851',
        percentChange24h: '-1.3850443710012292',
      },
      {
        symbol: 'SOL',
        name: 'Solana',
        price: '155.21',
        volume24h: '3087163470',
        marketCap: '81311098524',
        percentChange1h: '0.3148265810539452',
        percentChange24h: '-0.9387744117820519',
      },
    ]);
    expect(plainGlobal(round.global)).toEqual({
      totalMarketCap: '3302112938193.1206',
      totalVolume24h: '96745120934.20428',
      btcDominance: '62.96780313386006',
      activeCryptocurrencies: 17524,
    });
    expect(round.fx).toEqual([]);
  });

  it('keeps every digit of the numbers it was sent, beyond what a double holds', async () => {
    // JSON numbers of 18 and more significant digits: JSON.parse alone rounds them to 17.
    server().route('GET', MARKETS, {
      body: `[{"id":"bitcoin","symbol":"btc","name":"Bitcoin","current_price":104612.123456789012345,"market_cap":2079185036718123456789,
        "total_volume":38001292231.000000000001,"price_change_percentage_1h_in_currency":0.129735391136492612,
        "price_change_percentage_24h_in_currency":-1e-30},
        {"id":"shiba-inu","symbol":"shib","name":"Shiba Inu","current_price":0.0000123456789012345678,"market_cap":1.2e3,
        "total_volume":9007199254740993,"price_change_percentage_1h_in_currency":2.50,"price_change_percentage_24h_in_currency":-0.5}]`,
    });
    server().route('GET', GLOBAL, {
      body: `{"data":{"active_cryptocurrencies":17524,"total_market_cap":{"usd":3302112938193.120612345},"total_volume":{"usd":96745120934.204281234},
        "market_cap_percentage":{"btc":62.967803133860061234}}}`,
    });

    const round = await provider().fetchRound(['BTC', 'SHIB'], ROUND_TIME, liveSignal());

    expect(round.quotes.map(plainQuote)).toEqual([
      expect.objectContaining({ symbol: 'BTC', price: '104612.123456789012345', marketCap: '2079185036718123456789', volume24h: '38001292231.000000000001', percentChange1h: '0.129735391136492612', percentChange24h: '-0.000000000000000000000000000001' }),
      expect.objectContaining({ symbol: 'SHIB', price: '0.0000123456789012345678', marketCap: '1200', volume24h: '9007199254740993', percentChange1h: '2.5', percentChange24h: '-0.5' }),
    ]);
    expect(plainGlobal(round.global)).toEqual({ totalMarketCap: '3302112938193.120612345', totalVolume24h: '96745120934.204281234', btcDominance: '62.967803133860061234', activeCryptocurrencies: 17524 });
  });

  it('asks for lower-case symbols in USD with 1h and 24h changes', async () => {
    await provider().fetchRound(['BTC', 'ETH', 'NOTACOIN'], ROUND_TIME, liveSignal());

    expect(server().requestsTo(MARKETS)[0].query).toEqual({ vs_currency: 'usd', symbols: 'btc,eth,notacoin', price_change_percentage: '1h,24h', per_page: '250' });
  });

  it('sends a Demo key in x-cg-demo-api-key, and no key header without a key', async () => {
    await provider({ apiKey: 'CG-demo-key' }).fetchRound(['BTC'], ROUND_TIME, liveSignal());
    await provider().fetchRound(['BTC'], ROUND_TIME, liveSignal());

    const [withKey, withoutKey] = server().requestsTo(MARKETS);
    expect(withKey.headers['x-cg-demo-api-key']).toBe('CG-demo-key');
    expect(server().requestsTo(GLOBAL)[0].headers['x-cg-demo-api-key']).toBe('CG-demo-key');
    expect(withoutKey.headers['x-cg-demo-api-key']).toBeUndefined();
    expect(withoutKey.headers['x-cg-pro-api-key']).toBeUndefined();
  });

  it('sends the Pro header only to the Pro host', () => {
    expect(coingeckoKeyHeader('https://pro-api.coingecko.com')).toBe('x-cg-pro-api-key');
    expect(coingeckoKeyHeader('https://api.coingecko.com')).toBe('x-cg-demo-api-key');
    expect(coingeckoKeyHeader('http://127.0.0.1:8080/coingecko')).toBe('x-cg-demo-api-key');
  });

  it('leaves out symbols CoinGecko does not return', async () => {
    const round = await provider().fetchRound(['SOL', 'NOTACOIN'], ROUND_TIME, liveSignal());
    expect(round.quotes.map((quote) => quote.symbol)).toEqual(['SOL']);
  });

  it('takes the coin with the largest market cap when several share a symbol', async () => {
    server().route('GET', MARKETS, { fixture: 'coingecko/coins-markets-all-tokens.json' });

    const round = await provider().fetchRound(['ETH'], ROUND_TIME, liveSignal());

    expect(round.quotes.map(plainQuote)).toEqual([expect.objectContaining({ symbol: 'ETH', name: 'Ethereum', price: '2507.6', marketCap: '302729314911' })]);
  });

  it('falls back to price_change_percentage_24h, and reads null figures as unknown', async () => {
    const coin = { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', current_price: 104612, market_cap: 0, total_volume: null, price_change_percentage_24h: -0.58066 };
    server().route('GET', MARKETS, { body: [coin] });

    const [quote] = (await provider().fetchRound(['BTC'], ROUND_TIME, liveSignal())).quotes;

    expect(plainQuote(quote)).toEqual({ symbol: 'BTC', name: 'Bitcoin', price: '104612', volume24h: null, marketCap: null, percentChange1h: null, percentChange24h: '-0.58066' });
  });

  it('turns HTTP 429 into a ProviderError carrying Retry-After', async () => {
    server().route('GET', MARKETS, { status: 429, fixture: 'coingecko/error-429.json', headers: { 'Retry-After': '30' } });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.retryAfterSeconds).toBe(30);
    expect(error.message).toBe(
      "coingecko: GET /api/v3/coins/markets: HTTP 429: You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.",
    );
  });

  it("reports CoinGecko's message from a flat error body", async () => {
    server().route('GET', MARKETS, { status: 400, fixture: 'coingecko/error-400.json' });

    const error = await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('coingecko: GET /api/v3/coins/markets: HTTP 400: invalid vs_currency');
  });

  it('gives up after timeoutMs', async () => {
    server().route('GET', MARKETS, { fixture: 'coingecko/coins-markets.json', delayMs: 2_000 });

    const error = await providerError(provider({ timeoutMs: 200 }).fetchRound(['BTC'], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('coingecko: GET /api/v3/coins/markets timed out after 200 ms');
  });

  it('keeps its quotes when only the market-wide figures fail, and says why; a 429 there still fails the round', async () => {
    server().route('GET', GLOBAL, { status: 400, fixture: 'coingecko/error-400.json' });
    const refused = await provider().fetchRound(['BTC'], ROUND_TIME, liveSignal());
    expect([refused.quotes.map((quote) => quote.symbol), refused.global, refused.globalError]).toEqual([['BTC'], null, 'coingecko: GET /api/v3/global: HTTP 400: invalid vs_currency']);

    server().route('GET', GLOBAL, { fixture: 'coingecko/global.json', delayMs: 2_000 });
    const late = await provider({ timeoutMs: 200 }).fetchRound(['BTC'], ROUND_TIME, liveSignal());
    expect([late.quotes.map((quote) => quote.symbol), late.global, late.globalError]).toEqual([['BTC'], null, 'coingecko: GET /api/v3/global timed out after 200 ms']);

    server().route('GET', GLOBAL, { status: 429, fixture: 'coingecko/error-429.json', headers: { 'Retry-After': '30' } });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).retryAfterSeconds).toBe(30);
    // Without Retry-After too: the provider is rate-limited, not its figures alone.
    server().route('GET', GLOBAL, { status: 429, fixture: 'coingecko/error-429.json' });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toMatch(/^coingecko: GET \/api\/v3\/global: HTTP 429/);
  });

  it('rejects malformed answers', async () => {
    server().route('GET', MARKETS, { body: '[{"symbol": "btc", "current_price": 1046' });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toBe('coingecko: GET /api/v3/coins/markets: the answer is not JSON');

    server().route('GET', MARKETS, { body: { coins: [] } });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toBe('coingecko: malformed answer: answer is not an array');

    server().route('GET', MARKETS, { body: [{ symbol: 'btc', current_price: 'lots' }] });
    expect((await providerError(provider().fetchRound(['BTC'], ROUND_TIME, liveSignal()))).message).toBe('coingecko: malformed answer: [0].current_price is not a finite number');
  });
});
