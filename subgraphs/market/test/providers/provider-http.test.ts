import { getEventListeners } from 'node:events';
import { ProviderError } from '../../src/modules/provider/market-provider';
import { endpointUrl, fetchJson, JsonRequest, parseRetryAfter } from '../../src/modules/provider/provider-http';
import { JsonReader } from '../../src/modules/provider/provider-json';
import { ReplayServer } from './replay-server';
import { liveSignal, providerError, useReplayServer } from './provider-test-kit';

describe('provider HTTP helper', () => {
  const server = useReplayServer();
  const request = (overrides: Partial<JsonRequest> = {}): JsonRequest => ({
    provider: 'test',
    baseUrl: server().url,
    path: '/data',
    timeoutMs: 1_000,
    signal: liveSignal(),
    errorIn: () => null,
    ...overrides,
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-06-02T10:15:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Mon, 02 Jun 2025 10:16:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Mon, 02 Jun 2025 10:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    // Honoured up to an hour, so no header can switch a provider off for good.
    expect(parseRetryAfter('99999999', now)).toBe(3600);
  });

  it('passes an HTTP-date Retry-After of a 429 on as seconds', async () => {
    const inOneMinute = new Date(Date.now() + 60_000).toUTCString();
    server().route('GET', '/data', { status: 429, body: '', headers: { 'Retry-After': inOneMinute } });

    const error = await providerError(fetchJson(request()));

    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(58);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(error.message).toBe('test: GET /data: HTTP 429');
  });

  it('keeps a base URL path prefix', () => {
    expect(endpointUrl('https://proxy.example.com/cmc', '/v1/global-metrics/quotes/latest', { convert: 'USD' }).toString()).toBe(
      'https://proxy.example.com/cmc/v1/global-metrics/quotes/latest?convert=USD',
    );
    expect(endpointUrl('https://api.binance.com/', '/api/v3/ticker/24hr', { symbols: '["BTCUSDT"]' }).toString()).toBe(
      'https://api.binance.com/api/v3/ticker/24hr?symbols=%5B%22BTCUSDT%22%5D',
    );
  });

  it('reports an HTTP error without a readable body by its status', async () => {
    server().route('GET', '/data', { status: 502, body: '<html>Bad Gateway</html>' });

    const error = await providerError(fetchJson(request()));

    expect(error.message).toBe('test: GET /data: HTTP 502');
    expect(error.retryAfterSeconds).toBeNull();
  });

  it('keeps provider messages to one bounded line', async () => {
    server().route('GET', '/data', { status: 500, body: { message: `first line\nsecond line ${'x'.repeat(400)}` } });

    const error = await providerError(fetchJson(request({ errorIn: (body) => (body as { message: string }).message })));

    expect(error.message).toMatch(/^test: GET \/data: HTTP 500: first line second line x+…$/);
    expect(error.message.length).toBeLessThan(360);
  });

  it('reports a refused connection as a ProviderError', async () => {
    const closed = await ReplayServer.start();
    await closed.stop();

    const error = await providerError(fetchJson(request({ baseUrl: closed.url })));

    expect(error.message).toBe('test: GET /data failed: ECONNREFUSED');
    expect(error.transient).toBe(true);
  });

  it('tells a failure that may pass when asked again from one that would come back the same', async () => {
    const transience = async (route: Parameters<ReplayServer['route']>[2], overrides: Partial<JsonRequest> = {}) => {
      server().reset();
      server().route('GET', '/data', route);
      return (await providerError(fetchJson(request(overrides)))).transient;
    };
    // Server errors and timeouts may pass.
    expect(await transience({ status: 502, body: '<html>Bad Gateway</html>' })).toBe(true);
    expect(await transience({ status: 500, body: {} })).toBe(true);
    expect(await transience({ status: 504, body: '' })).toBe(true);
    expect(await transience({ status: 408, body: '' })).toBe(true);
    expect(await transience({ body: {}, delayMs: 500 }, { timeoutMs: 50 })).toBe(true);
    // A server that names its wait, a refusal, an error document and an answer that is not JSON would come back the same.
    expect(await transience({ status: 503, body: '', headers: { 'Retry-After': '30' } })).toBe(false);
    expect(await transience({ status: 429, body: '', headers: { 'Retry-After': '30' } })).toBe(false);
    expect(await transience({ status: 401, body: { error: 'invalid key' } })).toBe(false);
    expect(await transience({ body: { error: 'unknown symbol' } }, { errorIn: (body) => (body as { error?: string }).error ?? null })).toBe(false);
    expect(await transience({ body: '<html>maintenance</html>' })).toBe(false);
  });

  it("rethrows the caller's abort as it is: a cancelled round is not the provider's failure", async () => {
    server().route('GET', '/data', { body: {}, delayMs: 2_000 });
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 50);

    await expect(fetchJson(request({ signal: controller.signal }))).rejects.toBe(reason);
  });

  it("leaves no listener on the caller's long-lived signal, whatever the outcome", async () => {
    const shutdown = new AbortController();
    server().route('GET', '/ok', { body: {} });
    server().route('GET', '/fails', { status: 500, body: {} });
    server().route('GET', '/slow', { body: {}, delayMs: 2_000 });

    await fetchJson(request({ path: '/ok', signal: shutdown.signal }));
    await providerError(fetchJson(request({ path: '/fails', signal: shutdown.signal })));
    await providerError(fetchJson(request({ path: '/slow', signal: shutdown.signal, timeoutMs: 100 })));

    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  describe('JSON reader', () => {
    const read = new JsonReader('test');

    it('keeps the decimal text of JSON numbers and numeric strings', () => {
      const body = JSON.parse('{"a": 0.1, "b": 104623.48217712838, "c": 1e-8, "d": "0.00001500", "e": -0.0}') as Record<string, unknown>;
      expect(read.decimal(body.a, 'a', 'nonNegative').toString()).toBe('0.1');
      expect(read.decimal(body.b, 'b', 'nonNegative').toString()).toBe('104623.48217712838');
      expect(read.decimal(body.c, 'c', 'nonNegative').toFixed()).toBe('0.00000001');
      expect(read.decimal(body.d, 'd', 'nonNegative').toString()).toBe('0.000015');
      expect(read.decimal(body.e, 'e', 'nonNegative').toString()).toBe('0');
    });

    it('rejects non-finite, non-numeric and negative values where they are not allowed', () => {
      const huge = (JSON.parse('{"v": 1e400}') as { v: unknown }).v;
      expect(() => read.decimal(huge, 'v', 'any')).toThrow(new ProviderError('test', 'malformed answer: v is not a finite number'));
      expect(() => read.decimal('Infinity', 'v', 'any')).toThrow(ProviderError);
      expect(() => read.decimal('12abc', 'v', 'any')).toThrow(ProviderError);
      expect(() => read.decimal(true, 'v', 'any')).toThrow(ProviderError);
      expect(() => read.decimal(-3, 'v', 'nonNegative')).toThrow('test: malformed answer: v is not a number of at least 0');
      expect(read.decimal('-3.5', 'v', 'any').toString()).toBe('-3.5');
      expect(read.optionalDecimal(null, 'v', 'any')).toBeNull();
    });

    it('rejects numeric text the store cannot hold, so that provider fails and not the round', () => {
      // Valid numbers, but of 20,000 fractional or 200,000 integer digits: PostgreSQL's numeric refuses them.
      expect(() => read.decimal('1e-20000', 'lastPrice', 'nonNegative')).toThrow('test: malformed answer: lastPrice is not a number the store can hold');
      expect(() => read.decimal('1e200000', 'quoteVolume', 'nonNegative')).toThrow(ProviderError);
      expect(() => read.decimal(`1${'0'.repeat(100)}`, 'v', 'any')).toThrow(ProviderError);
      expect(read.decimal('0.000000000001234', 'v', 'nonNegative').toFixed()).toBe('0.000000000001234');
    });
  });
});
