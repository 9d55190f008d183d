import { IngestionGapsDocument, MarketProvidersDocument, MarketSnapshotDocument } from './support/operations.generated';
import { send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin } from './support/users';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';


let coingecko: ReplayServer;
let platform: TestPlatform;
let admin: { accessToken: string };

beforeAll(async () => {
  // CoinGecko (replayed from recorded answers) first, the simulated feed behind it.
  coingecko = await ReplayServer.start();
  coingecko.route('GET', '/api/v3/coins/markets', { fixture: 'coingecko/coins-markets.json' });
  coingecko.route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
  platform = await startTestPlatform(
    { ...adminEnv('feeds@example.com'), MARKET_INTERVAL_SECONDS: '1', MARKET_PROVIDERS: 'coingecko,simulated', COINGECKO_BASE_URL: coingecko.url },
    { market: {} },
  );
  admin = await logInAdmin(platform);
});
afterAll(async () => {
  await platform?.stop();
  await coingecko?.stop();
});

const latest = async () => (await send(platform.gatewayUrl, MarketSnapshotDocument, {})).data?.marketSnapshot;
const sourceOf = (round: Awaited<ReturnType<typeof latest>>, symbol: string) => round?.ticks.find((tick) => tick.symbol === symbol)?.source;

describe('providers in priority order', () => {
  it('take each symbol from the first provider that has it, and the global figures from the first that gives them', async () => {
    await eventually(async () => sourceOf(await latest(), 'BTC') === 'coingecko', 15_000);
    const round = (await latest())!;
    const btc = round.ticks.find((tick) => tick.symbol === 'BTC')!;
    expect(btc.price).toBe('104612');
    expect(sourceOf(round, 'ETH')).toBe('coingecko');
    expect(sourceOf(round, 'DOGE')).toBe('simulated');
    expect(round.global).toMatchObject({ btcDominance: '62.96780313386006', activeCryptocurrencies: 17524 });
    expect(coingecko.requestsTo('/api/v3/coins/markets').length).toBeGreaterThan(0);
  });

  it('fail over per round when one answers 429, and wait out its Retry-After', async () => {
    coingecko.route('GET', '/api/v3/coins/markets', { status: 429, fixture: 'coingecko/error-429.json', headers: { 'Retry-After': '120' } });
    const limitedAt = Date.now();
    await eventually(async () => sourceOf(await latest(), 'BTC') === 'simulated', 15_000);
    const providers = (await send(platform.gatewayUrl, MarketProvidersDocument, {}, admin.accessToken)).data!.marketProviders;
    const limited = providers.find((provider) => provider.name === 'coingecko')!;
    expect(limited.lastError).toMatch(/429|Rate Limit/);
    expect(limited.consecutiveFailures).toBeGreaterThanOrEqual(1);
    expect(new Date(limited.nextRunAt!).getTime()).toBeGreaterThan(limitedAt + 100_000);
    expect(providers.find((provider) => provider.name === 'simulated')).toMatchObject({ priority: 1, lastError: null });

    // While it waits, rounds go on without asking it.
    const asked = coingecko.requestsTo('/api/v3/coins/markets').length;
    const time = (await latest())!.time;
    await eventually(async () => (await latest())!.time !== time, 10_000);
    expect(coingecko.requestsTo('/api/v3/coins/markets').length).toBe(asked);
  });

  it('cut a provider slower than the interval, so the round still lands on time', async () => {
    coingecko.route('GET', '/api/v3/coins/markets', { fixture: 'coingecko/coins-markets.json', delayMs: 5_000 });
    await platform.market!.runtime.orm.em.fork().execute('UPDATE providers SET retry_after = NULL');
    await eventually(async () => {
      const providers = (await send(platform.gatewayUrl, MarketProvidersDocument, {}, admin.accessToken)).data!.marketProviders;
      return /timed out/.test(providers.find((provider) => provider.name === 'coingecko')!.lastError ?? '');
    }, 15_000);
    expect(sourceOf(await latest(), 'BTC')).toBe('simulated');
  });

  it('record the boundaries a round overran as gaps, and go on at the next boundary', async () => {
    // A round blocked in its transaction (here by a lock on the rounds' table) overruns its boundaries.
    const { default: pg } = await import('pg');
    const holder = new pg.Client({ connectionString: platform.market!.runtime.config.databaseUrl });
    await holder.connect();
    const blockedSince = new Date();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE global_metrics IN EXCLUSIVE MODE');
    try {
      // Two boundaries pass while the round waits.
      await eventually(async () => Date.now() - blockedSince.getTime() > 2_200, 10_000);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    await eventually(async () => {
      const gaps = await send(platform.gatewayUrl, IngestionGapsDocument, { from: blockedSince.toISOString() }, admin.accessToken);
      return (gaps.data?.ingestionGaps.nodes ?? []).some((gap) => gap.reason === 'previous round overran');
    }, 15_000);
    const resumedFrom = (await latest())!.time!;
    await eventually(async () => (await latest())!.time! > resumedFrom, 10_000);
  });
});
