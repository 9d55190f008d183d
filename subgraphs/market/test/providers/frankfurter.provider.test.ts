import { ProviderFxRate } from '../../src/modules/provider/market-provider';
import { FrankfurterProvider } from '../../src/modules/provider/frankfurter.provider';
import { liveSignal, providerError, ROUND_TIME, useReplayServer } from './provider-test-kit';

const LATEST = '/latest';
const HOUR = 60 * 60 * 1000;

const plainRates = (fx: ProviderFxRate[]) => Object.fromEntries(fx.map((rate) => [rate.quote, rate.rate.toString()]));
const at = (offsetMs: number) => new Date(ROUND_TIME.getTime() + offsetMs);

describe('Frankfurter provider', () => {
  const server = useReplayServer();
  const provider = (options: { cacheMs?: number; timeoutMs?: number } = {}) => new FrankfurterProvider({ baseUrl: server().url, ...options });

  beforeEach(() => {
    server().route('GET', LATEST, { query: { base: 'USD' }, fixture: 'frankfurter/latest-usd.json' });
  });

  it('maps the recorded ECB rates from USD to exact decimals, and nothing else', async () => {
    const round = await provider().fetchRound(['BTC', 'ETH'], ROUND_TIME, liveSignal());

    expect(round.quotes).toEqual([]);
    expect(round.global).toBeNull();
    expect(plainRates(round.fx)).toEqual({
      AUD: '1.5538',
      BGN: '1.7221',
      BRL: '5.7159',
      CAD: '1.375',
      CHF: '0.82266',
      CNY: '7.1952',
      CZK: '21.944',
      DKK: '6.5676',
      EUR: '0.88051',
      GBP: '0.74263',
      HKD: '7.8434',
      HUF: '355.46',
      IDR: '16323',
      ILS: '3.5251',
      INR: '85.58',
      ISK: '127.67',
      JPY: '143.93',
      KRW: '1381.1',
      MXN: '19.2539',
      MYR: '4.2495',
      NOK: '10.1431',
      NZD: '1.6741',
      PHP: '55.678',
      PLN: '3.7486',
      RON: '4.4766',
      SEK: '9.6245',
      SGD: '1.291',
      THB: '32.707',
      TRY: '39.226',
      ZAR: '17.9653',
    });
    expect(server().requestsTo(LATEST).map((request) => request.query)).toEqual([{ base: 'USD' }]);
  });

  it('serves rounds within cacheMs from the last answer, and asks again after it', async () => {
    const frankfurter = provider();

    const first = await frankfurter.fetchRound([], ROUND_TIME, liveSignal());
    const cached = await frankfurter.fetchRound([], at(HOUR - 1), liveSignal());
    expect(server().requestsTo(LATEST)).toHaveLength(1);
    expect(plainRates(cached.fx)).toEqual(plainRates(first.fx));

    server().route('GET', LATEST, { body: { amount: 1.0, base: 'USD', date: '2025-06-02', rates: { EUR: 0.87796 } } });
    const refreshed = await frankfurter.fetchRound([], at(HOUR), liveSignal());
    expect(server().requestsTo(LATEST)).toHaveLength(2);
    expect(plainRates(refreshed.fx)).toEqual({ EUR: '0.87796' });

    // The hour now counts from the refresh.
    await frankfurter.fetchRound([], at(2 * HOUR - 1), liveSignal());
    expect(server().requestsTo(LATEST)).toHaveLength(2);
  });

  it('takes cacheMs from its options, and asks again for a round before the cached one', async () => {
    const frankfurter = provider({ cacheMs: 60_000 });

    await frankfurter.fetchRound([], ROUND_TIME, liveSignal());
    await frankfurter.fetchRound([], at(59_999), liveSignal());
    expect(server().requestsTo(LATEST)).toHaveLength(1);
    await frankfurter.fetchRound([], at(60_000), liveSignal());
    expect(server().requestsTo(LATEST)).toHaveLength(2);
    await frankfurter.fetchRound([], at(-1), liveSignal());
    expect(server().requestsTo(LATEST)).toHaveLength(3);
  });

  it("reports Frankfurter's message from an error body", async () => {
    server().route('GET', LATEST, { status: 404, fixture: 'frankfurter/error-404.json' });

    const error = await providerError(provider().fetchRound([], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('frankfurter: GET /latest: HTTP 404: not found');
    expect(error.retryAfterSeconds).toBeNull();
  });

  it('turns HTTP 5xx into a ProviderError and caches nothing from it', async () => {
    server().route('GET', LATEST, { status: 502, body: '<html><body>502 Bad Gateway</body></html>', times: 1 });
    const frankfurter = provider();

    const error = await providerError(frankfurter.fetchRound([], ROUND_TIME, liveSignal()));
    expect(error.message).toBe('frankfurter: GET /latest: HTTP 502');

    // The next round asks again, and gets the rates.
    expect((await frankfurter.fetchRound([], at(1_000), liveSignal())).fx).toHaveLength(30);
    expect(server().requestsTo(LATEST)).toHaveLength(2);
  });

  it('turns HTTP 429 into a ProviderError carrying Retry-After', async () => {
    server().route('GET', LATEST, { status: 429, body: { message: 'Too many requests' }, headers: { 'Retry-After': '90' } });

    const error = await providerError(provider().fetchRound([], ROUND_TIME, liveSignal()));

    expect(error.retryAfterSeconds).toBe(90);
    expect(error.message).toBe('frankfurter: GET /latest: HTTP 429: Too many requests');
  });

  it('gives up after timeoutMs', async () => {
    server().route('GET', LATEST, { fixture: 'frankfurter/latest-usd.json', delayMs: 2_000 });

    const error = await providerError(provider({ timeoutMs: 200 }).fetchRound([], ROUND_TIME, liveSignal()));

    expect(error.message).toBe('frankfurter: GET /latest timed out after 200 ms');
  });

  it('rejects malformed answers and rates from another base', async () => {
    const failure = async (body: unknown) => {
      server().route('GET', LATEST, { body });
      return (await providerError(provider().fetchRound([], ROUND_TIME, liveSignal()))).message;
    };

    expect(await failure('{"amount":1.0,"base":"USD","rates":{"EUR":0.88')).toBe('frankfurter: GET /latest: the answer is not JSON');
    expect(await failure({ amount: 1, base: 'EUR', date: '2025-05-30', rates: { USD: 1.1357 } })).toBe('frankfurter: malformed answer: base is EUR, not USD');
    expect(await failure({ amount: 10, base: 'USD', date: '2025-05-30', rates: { EUR: 8.8051 } })).toBe('frankfurter: malformed answer: amount is not 1');
    expect(await failure({ amount: 1, base: 'USD', date: '2025-05-30', rates: [0.88051] })).toBe('frankfurter: malformed answer: rates is not an object');
    expect(await failure({ amount: 1, base: 'USD', date: '2025-05-30', rates: { EUR: '0,88' } })).toBe('frankfurter: malformed answer: rates.EUR is not a finite number');
    expect(await failure({ amount: 1, base: 'USD', date: '2025-05-30', rates: { EUR: -0.88 } })).toBe('frankfurter: malformed answer: rates.EUR is not a number of at least 0');
    expect(await failure({ amount: 1, base: 'USD', date: '2025-05-30', rates: { euro: 0.88 } })).toBe('frankfurter: malformed answer: rates has "euro", not a currency code');
  });

  it('leaves out a currency quoted at zero', async () => {
    server().route('GET', LATEST, { body: { amount: 1, base: 'USD', date: '2025-05-30', rates: { EUR: 0.88051, XXX: 0 } } });

    expect(plainRates((await provider().fetchRound([], ROUND_TIME, liveSignal())).fx)).toEqual({ EUR: '0.88051' });
  });
});
