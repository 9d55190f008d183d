import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print } from 'graphql';
import { InternalTokenSigner, INTERNAL_TOKEN_HEADER, Logger, signingKeyFrom } from '@herck/common';
import { RunningMarket } from '@herck/market';
import { LiveCandlesDocument, LiveCandlesSubscription, LiveTicksDocument, LiveTicksSubscription, MarketSnapshotDocument, TrackAssetDocument, UntrackAssetDocument } from './support/operations.generated';
import { send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually } from './support/users';

let platform: TestPlatform;
let signer: InternalTokenSigner;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1' }, { market: {} });
  const keyFile = path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem');
  signer = new InternalTokenSigner(signingKeyFrom(createPrivateKey(fs.readFileSync(keyFile, 'utf8'))));
  await eventually(async () => platform.market!.snapshot.time !== null, 15_000);
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform?.stop();
});

/** A graphql-ws client of a market replica, presenting the gateway's internal token as the gateway does. */
function subgraphClient(market: RunningMarket, roles: ('USER' | 'ADMIN')[] = ['USER'], token?: string): Client {
  const client = createClient({
    url: market.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { [INTERNAL_TOKEN_HEADER]: token ?? signer.sign({ accountId: roles.length ? 'a8f5f167-f44f-4964-8b4b-3e9a0a4f0b0e' : null, roles }, 'market') },
    onNonLazyError: () => undefined,
  });
  clients.push(client);
  return client;
}

/** The first `count` events of a subscription. */
function firstEvents<T>(client: Client, query: string, variables: Record<string, unknown>, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const events: T[] = [];
    const unsubscribe = client.subscribe<T>({ query, variables }, {
      next: (result) => {
        if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
        events.push(result.data as T);
        if (events.length === count) {
          unsubscribe();
          resolve(events);
        }
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => undefined,
    });
  });
}

describe('market subscriptions at the subgraph (graphql-ws, internal token)', () => {
  it("deliver each round's ticks for the symbols asked for", async () => {
    const events = await firstEvents<LiveTicksSubscription>(subgraphClient(platform.market!), print(LiveTicksDocument), { symbols: ['BTC', 'ETH'] }, 2);
    for (const event of events) expect(event.ticks.map((tick) => tick.symbol)).toEqual(['BTC', 'ETH']);
    expect(new Date(events[1]!.ticks[0]!.time) > new Date(events[0]!.ticks[0]!.time)).toBe(true);
    expect(events[0]!.ticks[0]!.price).toMatch(/^\d+(\.\d+)?$/);
  });

  it('deliver each update of the current candle', async () => {
    const events = await firstEvents<LiveCandlesSubscription>(subgraphClient(platform.market!), print(LiveCandlesDocument), { symbol: 'btc', interval: 'H1' }, 3);
    expect(events.map((event) => event.candles.symbol)).toEqual(['BTC', 'BTC', 'BTC']);
    // Each event moves the candle on: more ticks in its hour, or the next hour (a run crossing the hour's
    // end gets the old candle's close first, with the ticks it had, then the new one's first update).
    for (const [before, after] of [events.slice(0, 2), events.slice(1, 3)].map((pair) => pair.map((event) => event.candles))) {
      if (after!.openTime !== before!.openTime) expect(new Date(after!.openTime) > new Date(before!.openTime)).toBe(true);
      else if (after!.closed) expect(after!.tickCount).toBeGreaterThanOrEqual(before!.tickCount);
      else expect(after!.tickCount).toBeGreaterThan(before!.tickCount);
    }
  });

  it("resolve each event's fields afresh: a tick's asset's current candle grows from event to event", async () => {
    type Event = { ticks: { time: string; asset: { candles: { nodes: { openTime: string; tickCount: number }[] } } }[] };
    const query = 'subscription { ticks(symbols: ["BTC"]) { time asset { candles(interval: H1, first: 1) { nodes { openTime tickCount } } } } }';
    // The first and the third: two rounds apart, however late a loaded machine resolved one event.
    const events = await firstEvents<Event>(subgraphClient(platform.market!), query, {}, 3);
    const [first, , third] = events.map((event) => event.ticks[0]!.asset.candles.nodes[0]!);
    expect(third!.openTime === first!.openTime ? third!.tickCount > first!.tickCount : third!.openTime > first!.openTime).toBe(true);
  });

  it('refuse an anonymous caller when it subscribes, and a connection without a valid internal token', async () => {
    await expect(firstEvents(subgraphClient(platform.market!, []), print(LiveTicksDocument), {}, 1)).rejects.toThrow(/UNAUTHENTICATED/);
    const refused = (token: string) =>
      new Promise<number>((resolve) => {
        const client = createClient({
          url: platform.market!.url.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          connectionParams: { [INTERNAL_TOKEN_HEADER]: token },
          on: { closed: (event) => resolve((event as { code: number }).code) },
        });
        clients.push(client);
        client.subscribe({ query: print(LiveTicksDocument) }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      });
    expect(await refused('forged')).toBe(4403);
    // A header that says JWT over a payload that is no JSON made jsonwebtoken throw: the socket closed with 4500, naming the JSON error.
    const unreadable = [JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'k' }), 'not json', 'signature'].map((part) => Buffer.from(part).toString('base64url')).join('.');
    expect(await refused(unreadable)).toBe(4403);
  });
});

describe('a second market replica', () => {
  it('stands by without ingesting, serves the latest round from memory, and takes over when the first stops', async () => {
    const queries: string[] = [];
    const sqlLogger = new Logger('market', 'debug', {}, (line) => {
      // The outbox relay polls on its own every second; everything else would come from the requests.
      // So does the gateways' status probe (gaps of the last hour, the bus consumer's position and dead letters),
      // and a round without ticks at a minute's end announces the candles it closed, which the standby loads.
      if (/\[query\]/.test(line) && !/outbox|\] (begin|commit)|ingestion_gaps WHERE round_time|bus_dead_letters|bus_events|candles WHERE closed_at/.test(line)) queries.push(line);
    });
    const standby = await platform.startMarketReplica({}, { MARKET_INTERVAL_SECONDS: '1', LOG_LEVEL: 'debug' }, sqlLogger);
    expect(standby.ingesting()).toBe(false);
    expect(platform.market!.ingesting()).toBe(true);
    // Loaded before it reported ready, then kept current by the first replica's announcements.
    expect(standby.snapshot.time).not.toBeNull();
    const known = platform.market!.snapshot.time!;
    await eventually(async () => (standby.snapshot.time?.getTime() ?? 0) > known.getTime(), 10_000);

    // Its subscribers get the rounds' candle updates too, loaded with each announced round.
    const candles = await firstEvents<LiveCandlesSubscription>(subgraphClient(standby), print(LiveCandlesDocument), { symbol: 'BTC', interval: 'H1' }, 2);
    const [first, second] = candles.map((event) => event.candles);
    // Across an hour's end the second may be the first's close (no new tick) or the next hour's candle.
    const progressed = second!.openTime === first!.openTime ? second!.tickCount > first!.tickCount || (second!.closed && !first!.closed) : second!.openTime > first!.openTime;
    expect({ first, second, progressed }).toEqual({ first, second, progressed: true });

    // With no new rounds to load (the provider switched off), serving snapshots runs no SQL at all.
    const leaderDb = platform.market!.runtime.orm.em.fork();
    await leaderDb.execute('UPDATE providers SET enabled = false');
    const quietSince = new Date();
    await eventually(async () => (await leaderDb.execute('SELECT 1 FROM ingestion_gaps WHERE recorded_at > ?', [quietSince])).length > 0, 10_000);
    const viaStandby = await platform.startGateway({ MARKET_URL: standby.url });
    queries.length = 0;
    for (let i = 0; i < 10; i += 1) {
      const answer = await send(viaStandby.url, MarketSnapshotDocument, {});
      expect(answer.data?.marketSnapshot.ticks).toHaveLength(20);
    }
    expect(queries).toEqual([]);

    // An asset untracked through the first replica leaves the standby's snapshot too, with no round to bring it.
    const admin = { [INTERNAL_TOKEN_HEADER]: signer.sign({ accountId: 'a8f5f167-f44f-4964-8b4b-3e9a0a4f0b0e', roles: ['USER', 'ADMIN'] }, 'market') };
    expect(standby.snapshot.trackedTicks().map((tick) => tick.symbol)).toContain('SOL');
    expect((await send(platform.market!.url, UntrackAssetDocument, { symbol: 'SOL' }, undefined, admin)).data?.untrackAsset).toBe(true);
    await eventually(async () => !standby.snapshot.trackedTicks().some((tick) => tick.symbol === 'SOL'), 10_000);
    expect(standby.snapshot.trackedTicks()).toHaveLength(19);
    await send(platform.market!.url, TrackAssetDocument, { symbol: 'SOL' }, undefined, admin);
    await eventually(async () => standby.snapshot.trackedTicks().length === 20, 10_000);
    await leaderDb.execute('UPDATE providers SET enabled = true');

    await platform.market!.stop();
    const before = standby.snapshot.time!.getTime();
    await eventually(async () => standby.ingesting() && (standby.snapshot.time?.getTime() ?? 0) > before, 15_000);
    const rounds = await standby.runtime.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM global_metrics');
    expect(rounds[0]!.n).toBeGreaterThan(2);
  });
});
