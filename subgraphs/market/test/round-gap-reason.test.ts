import { Logger } from '@herck/common';
import { AssetService } from '../src/modules/asset/asset.service';
import { IngestionService, IngestionSettings } from '../src/modules/ingestion/ingestion.service';
import { LiveFeed } from '../src/modules/live/live-feed';
import { CoinGeckoProvider } from '../src/modules/provider/coingecko.provider';
import { MarketProvider, ProviderError } from '../src/modules/provider/market-provider';
import { ProviderStates } from '../src/modules/provider/provider-states';
import { SnapshotStore } from '../src/modules/snapshot/snapshot-store';
import { ScriptedProvider, useReplayServer } from './providers/provider-test-kit';
import { useMarketStore } from './support/market-store';

/**
 * A round without a single tick is a gap, and its reason is what each provider
 * did: answered without the assets, failed (its error, named once), was
 * switched off, or waits out a Retry-After. A timeout names its request.
 */
const store = useMarketStore();

const quiet = new ScriptedProvider('quiet', () => ({ quotes: [], global: null, fx: [] }));
const off = new ScriptedProvider('off', () => ({ quotes: [], global: null, fx: [] }));
const broken = new ScriptedProvider('broken', () => {
  throw new ProviderError('broken', 'GET /api/v3/coins/markets: the answer is not JSON');
});
const limited = new ScriptedProvider('limited', () => {
  throw new ProviderError('limited', 'GET /quotes: HTTP 429', 120);
});

async function runRound(providers: MarketProvider[], time: string, settings: IngestionSettings = { intervalSeconds: 60, providerTimeoutMs: 1_000, providerAttempts: 3 }): Promise<ProviderStates> {
  const states = new ProviderStates(providers.map((provider) => provider.name), settings.intervalSeconds);
  await states.register(store.orm.em.fork());
  const ingestion = new IngestionService({ orm: store.orm, logger: new Logger('market', 'error'), publishEvents: () => undefined }, providers, states, settings, new SnapshotStore(), new LiveFeed());
  await ingestion.runRound(new Date(time));
  return states;
}

const gapAt = async (time: string) => (await store.orm.em.fork().execute<{ reason: string }[]>('SELECT reason FROM ingestion_gaps WHERE round_time = ?', [new Date(time)]))[0]?.reason;

beforeAll(async () => {
  await new AssetService().seed(store.orm.em.fork(), ['BTC', 'ETH']);
  await new ProviderStates(['off'], 60).register(store.orm.em.fork());
  await new ProviderStates(['off'], 60).setEnabled(store.orm.em.fork(), 'off', false);
});

it('tells a provider that answered without the assets from one switched off, never "all disabled"', async () => {
  await runRound([quiet, off], '2026-12-02T12:00:00Z');
  expect(await gapAt('2026-12-02T12:00:00Z')).toBe('no provider quoted a tracked asset (quiet: answered with no quote for BTC, ETH; off: disabled)');
});

it("gives a failed provider's error as it is, its name once", async () => {
  await runRound([broken], '2026-12-02T12:01:00Z');
  expect(await gapAt('2026-12-02T12:01:00Z')).toBe('no provider quoted a tracked asset (broken: GET /api/v3/coins/markets: the answer is not JSON)');
});

it('says until when a provider waits out its Retry-After', async () => {
  await runRound([limited], '2026-12-02T12:02:00Z');
  expect(await gapAt('2026-12-02T12:02:00Z')).toBe('no provider quoted a tracked asset (limited: GET /quotes: HTTP 429)');
  await runRound([limited], '2026-12-02T12:03:00Z');
  // Retry-After counts from the answer, in whole seconds: the failure within the round's first second counts as at its start.
  expect(await gapAt('2026-12-02T12:03:00Z')).toBe('no provider quoted a tracked asset (limited: waiting for Retry-After until 2026-12-02T12:04:00.000Z)');
});

describe('a provider out of time', () => {
  const server = useReplayServer();

  it("fails with its provider's name and the request it was waiting for, like its other errors", async () => {
    server().route('GET', '/api/v3/coins/markets', { fixture: 'coingecko/coins-markets.json', delayMs: 2_000 });
    server().route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
    // The provider's own limit is generous; the round's (300 ms here) cuts it.
    const coingecko = new CoinGeckoProvider({ baseUrl: server().url, timeoutMs: 10_000 });
    const states = await runRound([coingecko], '2026-12-02T12:05:00Z', { intervalSeconds: 60, providerTimeoutMs: 300, providerAttempts: 3 });
    const [status] = await states.list(store.orm.em.fork());
    expect(status!.lastError).toBe('coingecko: GET /api/v3/coins/markets timed out after 300 ms');
    expect(await gapAt('2026-12-02T12:05:00Z')).toBe('no provider quoted a tracked asset (coingecko: GET /api/v3/coins/markets timed out after 300 ms)');
  });
});
