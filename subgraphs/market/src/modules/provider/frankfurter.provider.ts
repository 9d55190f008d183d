import { MarketProvider, ProviderError, ProviderFxRate, ProviderRound } from './market-provider';
import { DEFAULT_TIMEOUT_MS, fetchJson, HttpProviderOptions } from './provider-http';
import { dig, JsonReader } from './provider-json';

/** Frankfurter's public API (v1 paths). */
export const FRANKFURTER_BASE_URL = 'https://api.frankfurter.app';
/** The ECB publishes once a working day, so an hour-old answer is as good as a new one. */
export const DEFAULT_FRANKFURTER_CACHE_MS = 60 * 60 * 1000;
const BASE = 'USD';
const CURRENCY_CODE = /^[A-Z]{3}$/;

export interface FrankfurterOptions extends Omit<HttpProviderOptions, 'apiKey'> {
  /** How long, in round time, one answer serves later rounds without a request. */
  cacheMs?: number;
}

/**
 * Frankfurter (no key): the ECB's euro reference rates, converted to US-dollar
 * rates by /latest?base=USD. FX only: no quotes and no market totals. Rates
 * change once a working day, so an answer is kept for `cacheMs` of round time
 * and rounds within it are served without asking again.
 */
export class FrankfurterProvider implements MarketProvider {
  readonly name = 'frankfurter';
  readonly givesFxRates = true;
  private readonly read = new JsonReader(this.name);
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private cached: { time: number; fx: ProviderFxRate[] } | null = null;

  constructor(options: FrankfurterOptions = {}) {
    this.baseUrl = options.baseUrl ?? FRANKFURTER_BASE_URL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.cacheMs = options.cacheMs ?? DEFAULT_FRANKFURTER_CACHE_MS;
  }

  async fetchRound(_symbols: string[], time: Date, signal: AbortSignal): Promise<ProviderRound> {
    const now = time.getTime();
    const cached = this.cached;
    // A round earlier than the cached answer (a clock set back) asks again rather than trust it.
    if (cached && now >= cached.time && now - cached.time < this.cacheMs) return { quotes: [], global: null, fx: cached.fx };
    const fx = await this.latest(signal);
    this.cached = { time: now, fx };
    return { quotes: [], global: null, fx };
  }

  private async latest(signal: AbortSignal): Promise<ProviderFxRate[]> {
    const body = this.read.object(await this.get('/latest', { base: BASE }, signal), 'answer');
    const base = this.read.string(body.base, 'base');
    // Rates from another base (a proxy that dropped the query) would be stored as dollar rates.
    if (base !== BASE) throw new ProviderError(this.name, `malformed answer: base is ${base}, not ${BASE}`);
    if (!this.read.decimal(body.amount, 'amount', 'nonNegative').equals(1)) throw new ProviderError(this.name, 'malformed answer: amount is not 1');
    const rates = this.read.object(body.rates, 'rates');
    const fx: ProviderFxRate[] = [];
    for (const [quote, value] of Object.entries(rates)) {
      if (!CURRENCY_CODE.test(quote)) throw new ProviderError(this.name, `malformed answer: rates has "${quote}", not a currency code`);
      const rate = this.read.decimal(value, `rates.${quote}`, 'nonNegative');
      // A zero rate is no rate (the store refuses it): leave the currency out rather than fail every rate.
      if (!rate.isZero()) fx.push({ quote, rate });
    }
    return fx;
  }

  private get(path: string, query: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    return fetchJson({ provider: this.name, baseUrl: this.baseUrl, path, query, timeoutMs: this.timeoutMs, signal, errorIn: frankfurterError });
  }
}

/** Frankfurter errors: { "message": "not found" } (404 for an unknown currency, 422 for a bad query). */
function frankfurterError(body: unknown): string | null {
  const message = dig(body, 'message');
  return typeof message === 'string' && message.length > 0 ? message : null;
}
