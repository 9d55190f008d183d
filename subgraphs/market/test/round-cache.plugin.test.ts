import { ApolloServer } from '@apollo/server';
import { SnapshotStore } from '../src/modules/snapshot/snapshot-store';
import { roundCachePlugin } from '../src/modules/snapshot/round-cache.plugin';
import { MarketRound } from '../src/modules/ingestion/market-round';

const ROUND = Date.UTC(2026, 11, 2, 12, 0, 0);
const round = (time: number) => ({ time: new Date(time), ticks: [], fx: [], global: null }) as unknown as MarketRound;

/** A schema with one round-scoped field, one admin field and a mutation; the clock and the snapshot are the test's. */
function server(snapshot: SnapshotStore, now: () => number, intervalSeconds = 60, onResolve: () => void = () => undefined) {
  return new ApolloServer({
    typeDefs: 'type Query { marketSnapshot: String, marketProviders: String } type Mutation { trackAsset: String }',
    resolvers: {
      Query: { marketSnapshot: () => (onResolve(), 'round'), marketProviders: () => 'providers' },
      Mutation: { trackAsset: () => 'tracked' },
    },
    plugins: [roundCachePlugin(snapshot, intervalSeconds, now)],
  });
}

async function cacheControl(apollo: ApolloServer, query: string): Promise<string | undefined> {
  const response = await apollo.executeOperation({ query });
  return response.http.headers.get('cache-control');
}

describe("market's round cache hints", () => {
  const snapshot = new SnapshotStore();
  snapshot.update(round(ROUND), []);

  it('say public up to the next boundary, at most five seconds, in whole seconds rounded down', async () => {
    expect(await cacheControl(server(snapshot, () => ROUND + 57_300), '{ marketSnapshot }')).toBe('public, max-age=2');
    expect(await cacheControl(server(snapshot, () => ROUND + 1_000), '{ marketSnapshot }')).toBe('public, max-age=5');
    expect(await cacheControl(server(snapshot, () => ROUND + 2_500, 5), '{ marketSnapshot }')).toBe('public, max-age=2');
  });

  it('never run past the end of the current minute, where candles close without a round', async () => {
    // Rounds every 7 s: the round of 12:00:56 is the latest until 12:01:03, but the M1 candle of 12:00 closes at 12:01:00.
    const minuteEnd = ROUND + 60_000;
    const late = new SnapshotStore();
    late.update(round(minuteEnd - 4_000), []);
    expect(await cacheControl(server(late, () => minuteEnd - 2_500, 7), '{ marketSnapshot }')).toBe('public, max-age=2');
    expect(await cacheControl(server(late, () => minuteEnd - 900, 7), '{ marketSnapshot }')).not.toMatch(/public/);
    // Rounds every 5 minutes: an M1 candle opened by the round ends a minute later.
    expect(await cacheControl(server(snapshot, () => ROUND + 57_300, 300), '{ marketSnapshot }')).toBe('public, max-age=2');
    expect(await cacheControl(server(snapshot, () => ROUND + 61_000, 300), '{ marketSnapshot }')).toBe('public, max-age=5');
  });

  it('say nothing public for an overdue round, admin fields, mutations or errors', async () => {
    for (const [now, query] of [
      [ROUND + 59_500, '{ marketSnapshot }'],
      [ROUND + 61_000, '{ marketSnapshot }'],
      [ROUND + 1_000, '{ marketSnapshot marketProviders }'],
      [ROUND + 1_000, 'mutation { trackAsset }'],
      [ROUND + 1_000, '{ nope }'],
    ] as const) {
      expect(await cacheControl(server(snapshot, () => now), query)).not.toMatch(/public/);
    }
  });

  it('say nothing public when a newer round landed while the answer was made', async () => {
    const changing = new SnapshotStore();
    changing.update(round(ROUND), []);
    const apollo = server(changing, () => ROUND + 1_000, 60, () => changing.update(round(ROUND + 60_000), []));
    expect(await cacheControl(apollo, '{ marketSnapshot }')).not.toMatch(/public/);
  });
});
