import { codes, send } from './support/graphql-client';
import { AssetsDocument, CandlesDocument, FxRatesDocument, ImportCandlesDocument, MarketSnapshotDocument, SetProviderEnabledDocument, TrackAssetDocument, UntrackAssetDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * Contract checks of the market subgraph (issue 6) through the real gateway, on a
 * market that has not ingested a round yet (MARKET_INGEST=false: nothing ever lands),
 * which is what every client sees for the first seconds after a start.
 */

let platform: TestPlatform;
let admin: { accessToken: string };
let user: SignedUpUser;

beforeAll(async () => {
  platform = await startTestPlatform({ ...adminEnv('contract-admin@example.com'), MARKET_INGEST: 'false' }, { market: {} });
  admin = await logInAdmin(platform);
  user = await signUp(platform);
});
afterAll(() => platform?.stop());

const snapshot = (symbols?: string[]) => send(platform.gatewayUrl, MarketSnapshotDocument, { symbols });

describe('marketSnapshot before the first round', () => {
  it('answers NOT_FOUND for an unknown symbol, as it does once rounds land', async () => {
    expect(platform.market!.snapshot.time).toBeNull();
    for (const symbol of ['NOPE', 'not-a-coin', '']) {
      const answer = await snapshot(['BTC', symbol]);
      expect(codes(answer)).toEqual(['NOT_FOUND']);
      expect(answer.data ?? null).toBeNull();
    }
  });

  it('answers known assets with an empty round', async () => {
    expect((await snapshot(['btc', 'ETH'])).data).toEqual({ marketSnapshot: { time: null, ticks: [], global: null } });
    expect((await snapshot()).data).toEqual({ marketSnapshot: { time: null, ticks: [], global: null } });
  });
});

describe('errors about a name the caller gave', () => {
  it('keep the code and field but do not hand a long input back', async () => {
    const long = 'X'.repeat(20_000);
    const currency = await send(platform.gatewayUrl, FxRatesDocument, { base: long }, user.accessToken);
    expect(codes(currency)).toEqual(['NOT_FOUND']);
    expect(currency.errors![0]!.message.length).toBeLessThan(100);

    const provider = await send(platform.gatewayUrl, SetProviderEnabledDocument, { name: long, enabled: false }, admin.accessToken);
    expect(provider.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'name']]);
    expect(provider.errors![0]!.message.length).toBeLessThan(150);
  });
});

describe('blank names', () => {
  it('trackAsset refuses a blank name (it became the symbol); an empty symbol is an asset not found, said without a gap', async () => {
    const tracked = await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'BLANKN', name: '   ' }, admin.accessToken);
    expect(tracked.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'name']]);
    const candles = await send(platform.gatewayUrl, CandlesDocument, { symbol: '', interval: 'M1' }, user.accessToken);
    expect(candles.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['NOT_FOUND', 'Asset not found']]);
    const rates = await send(platform.gatewayUrl, FxRatesDocument, { base: '' }, user.accessToken);
    expect(rates.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['NOT_FOUND', 'Currency not found']]);
  });
});

describe('a cursor no list gave out', () => {
  it('is refused in the same words on assets as on every other list', async () => {
    const badCursor = await send(platform.gatewayUrl, AssetsDocument, { after: 'x' }, user.accessToken);
    expect(badCursor.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message])).toEqual([['BAD_USER_INPUT', 'after', 'Invalid cursor']]);
  });
});

describe('symbols typed in other scripts', () => {
  it('refuses letters that upper-case into another symbol (ß is not SS, ﬁ not FI) instead of acting on that one', async () => {
    expect(codes(await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ß', name: 'Typo' }, admin.accessToken))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'ﬁ' }, admin.accessToken))).toEqual(['BAD_USER_INPUT']);
    expect((await send(platform.gatewayUrl, AssetsDocument, {}, user.accessToken)).data!.assets.nodes.map((asset) => asset.symbol)).not.toContain('SS');
    const candles = await send(platform.gatewayUrl, CandlesDocument, { symbol: 'ſ', interval: 'M1' }, user.accessToken);
    expect(candles.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['NOT_FOUND', 'Asset ſ not found']]);
    expect(codes(await send(platform.gatewayUrl, FxRatesDocument, { base: 'ıNR' }, user.accessToken))).toEqual(['NOT_FOUND']);
    // Any letter case of a real symbol still names it.
    expect((await send(platform.gatewayUrl, MarketSnapshotDocument, { symbols: ['btc'] }, user.accessToken)).errors).toBeUndefined();
  });
});

describe('setProviderEnabled sent several times at once', () => {
  it('answers each call with the state it left', async () => {
    const wanted = Array.from({ length: 16 }, (_, i) => i % 2 === 0);
    const answers = await Promise.all(wanted.map((enabled) => send(platform.gatewayUrl, SetProviderEnabledDocument, { name: 'simulated', enabled }, admin.accessToken)));
    expect(answers.map((answer) => answer.data?.setProviderEnabled.enabled)).toEqual(wanted);
    await send(platform.gatewayUrl, SetProviderEnabledDocument, { name: 'simulated', enabled: true }, admin.accessToken);
  });
});

describe('importCandles over candles built from ticks', () => {
  it('makes them imported candles (tickCount 0), and a second import of the same rows changes nothing', async () => {
    // A past M1 candle the rounds built from 28 ticks (written as a round would leave it).
    const openTime = '2024-03-01T12:00:00.000Z';
    await platform.market!.runtime.orm.em
      .fork()
      .execute("INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, tick_count, closed) VALUES ('BTC', 'M1', ?, '61000', '61050', '60990', '61010', '1234.5', 28, true)", [openTime]);
    const importCsv = () =>
      send(platform.gatewayUrl, ImportCandlesDocument, { symbol: 'BTC', interval: 'M1', csv: `time,open,high,low,close,volume\n${openTime},61001.5,61060,60980.25,61020,987.125` }, admin.accessToken);
    expect((await importCsv()).data?.importCandles).toEqual({ imported: 1, skipped: 0, errors: [] });
    const stored = await send(platform.gatewayUrl, CandlesDocument, { symbol: 'BTC', interval: 'M1', from: openTime, to: openTime }, user.accessToken);
    expect(stored.data?.candles.nodes).toEqual([
      expect.objectContaining({ symbol: 'BTC', interval: 'M1', openTime, open: '61001.5', high: '61060', low: '60980.25', close: '61020', volume: '987.125', tickCount: 0, closed: true }),
    ]);
    expect((await importCsv()).data?.importCandles).toEqual({ imported: 0, skipped: 1, errors: [] });
  });
});

describe('importCandles of a CSV larger than the default body limit', () => {
  it('goes through a gateway whose BODY_LIMIT is raised, as the README says (market takes up to 5 MB)', async () => {
    // 8,000 daily candles, about 540 kB of CSV: five times the 100 kB every service accepts by default.
    const start = Date.UTC(2000, 0, 1);
    const rows = Array.from({ length: 8_000 }, (_, day) => `${new Date(start + day * 86_400_000).toISOString()},100.125,110.25,90.5,105.75,12345.678901234`);
    const csv = ['time,open,high,low,close,volume', ...rows, ''].join('\n');
    expect(csv.length).toBeGreaterThan(400_000);
    const gateway = await platform.startGateway({ BODY_LIMIT: '1mb' });
    try {
      const answer = await send(gateway.url, ImportCandlesDocument, { symbol: 'ETH', interval: 'D1', csv }, admin.accessToken);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.importCandles).toEqual({ imported: 8_000, skipped: 0, errors: [] });
    } finally {
      await gateway.stop();
    }
  });
});
