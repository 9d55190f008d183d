import { Logger, testEnvironment, TestEnvironment } from '@herck/common';
import { readMarketConfig, RunningMarket, startMarketService } from '../src';
import { SimulatedProvider } from '../src/modules/provider/simulated.provider';
import { ReplayServer } from './providers/replay-server';

/**
 * FX rates are "simulated by default; a real reference-rate source when
 * configured": a platform whose listed providers give no FX rates (Binance
 * alone) still has the simulated ones, and says so once at start-up; a listed
 * reference-rate source is never mixed with them.
 */
let replay: ReplayServer;
const running: { market: RunningMarket; environment: TestEnvironment }[] = [];

beforeAll(async () => {
  replay = await ReplayServer.start();
  replay.route('GET', '/api/v3/exchangeInfo', { fixture: 'binance/exchange-info.json' });
  replay.route('GET', '/api/v3/ticker/24hr', { fixture: 'binance/ticker-24hr.json' });
  replay.route('GET', '/latest', { fixture: 'frankfurter/latest-usd.json' });
});

afterAll(async () => {
  for (const { market, environment } of running) {
    await market.stop();
    await environment.cleanUp();
  }
  await replay?.stop();
});

/** A market on its own database with these providers, once its first round is in memory; and what it logged. */
async function marketWith(providers: string, env: Record<string, string> = {}): Promise<{ market: RunningMarket; logged: string[] }> {
  const environment = testEnvironment({
    MARKET_PROVIDERS: providers,
    MARKET_SYMBOLS: 'BTC,ETH',
    MARKET_INTERVAL_SECONDS: '1',
    MARKET_SEED: 'fx-fallback',
    BINANCE_BASE_URL: replay.url,
    FRANKFURTER_BASE_URL: replay.url,
    ...env,
  });
  const logged: string[] = [];
  const market = await startMarketService(readMarketConfig(environment.env), new Logger('market', 'info', {}, (line) => void logged.push(line)));
  running.push({ market, environment });
  for (const deadline = Date.now() + 15_000; market.snapshot.time === null; ) {
    if (Date.now() > deadline) throw new Error('no round within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { market, logged };
}

const plainRates = (rates: { quote: string; rate: { toString(): string } }[]) => rates.map((rate) => `${rate.quote} ${rate.rate.toString()}`).sort();

it('takes the simulated rates when no listed provider gives any, and logs it once at start-up', async () => {
  const { market, logged } = await marketWith('binance');
  const time = market.snapshot.time!;
  expect(market.snapshot.ticks().map((tick) => tick.source)).toEqual(['binance', 'binance']);
  const simulated = await new SimulatedProvider({ seed: 'fx-fallback' }).fetchRound([], time, new AbortController().signal);
  expect(plainRates(market.snapshot.fx)).toEqual(plainRates(simulated.fx));
  expect(plainRates(market.snapshot.fx)).toContain(plainRates(simulated.fx).find((rate) => rate.startsWith('EUR ')));
  const stored = await market.runtime.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM fx_rates WHERE time = ?', [time]);
  expect(stored[0]!.n).toBe(market.snapshot.fx.length);
  expect(logged.filter((line) => line.includes('the simulated rates are used'))).toHaveLength(1);
});

it('takes a listed reference-rate source alone, and logs nothing of the kind', async () => {
  const { market, logged } = await marketWith('binance,frankfurter');
  expect(market.snapshot.fx.find((rate) => rate.quote === 'EUR')?.rate.toString()).toBe('0.88051');
  expect(market.snapshot.fx.some((rate) => rate.quote === 'HKD')).toBe(true);
  expect(logged.filter((line) => line.includes('the simulated rates are used'))).toHaveLength(0);
});

it('leaves a round without rates when the reference-rate source listed first fails, never with the simulated ones in their place', async () => {
  // The ECB's rates cannot be had (nothing answers there): the simulated provider still quotes every asset.
  const { market } = await marketWith('frankfurter,simulated', { FRANKFURTER_BASE_URL: `${replay.url}/nothing-here` });
  expect(market.snapshot.ticks().map((tick) => tick.source)).toEqual(['simulated', 'simulated']);
  expect(market.snapshot.fx).toEqual([]);
  const stored = await market.runtime.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM fx_rates');
  expect(stored[0]!.n).toBe(0);
});
