import { print } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Clock } from '../../subgraphs/market/src/modules/ingestion/clock';
import { LiveCandlesDocument, LiveCandlesSubscription } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

/**
 * Issue 7: `candles(symbol, interval)` through the gateway delivers each update
 * of the current candle and its close. Market's clock runs a little ahead of
 * the real one, so that a minute ends soon after the platform is up instead of
 * whenever the wall clock says.
 */
const SECONDS_BEFORE_THE_MINUTE_ENDS = 15;

let platform: TestPlatform;
let user: SignedUpUser;
let client: Client;

/** Real time, moved forward so that the current minute ends SECONDS_BEFORE_THE_MINUTE_ENDS from now. */
function clockEndingAMinuteSoon(): Clock {
  const now = Date.now();
  const shift = (60_000 - SECONDS_BEFORE_THE_MINUTE_ENDS * 1000 - (now % 60_000) + 60_000) % 60_000;
  return { now: () => Date.now() + shift, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) };
}

beforeAll(async () => {
  platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1' }, { market: { clock: clockEndingAMinuteSoon() } });
  await eventually(async () => platform.market!.snapshot.time !== null, 30_000);
  user = await signUp(platform);
  client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
}, 120_000);

afterAll(async () => {
  await client?.dispose();
  await platform?.stop();
}, 60_000);

type Candle = LiveCandlesSubscription['candles'];

it("delivers each update of the current M1 candle, then its close, then the next minute's candle", async () => {
  const events: Candle[] = [];
  // A close seen after an update of the same candle (a subscription that began just at the end of
  // a minute may see a close first: it waits for the next).
  const closeAfterUpdates = () => events.findIndex((candle, index) => candle.closed && index > 0 && events[index - 1]!.openTime === candle.openTime);
  // Until the candle after such a close arrives: the close, and that the feed goes on past it.
  await new Promise<void>((resolve, reject) => {
    const unsubscribe = client.subscribe<LiveCandlesSubscription>(
      { query: print(LiveCandlesDocument), variables: { symbol: 'BTC', interval: 'M1' } },
      {
        next: (result) => {
          if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
          events.push(result.data!.candles);
          const closedAt = closeAfterUpdates();
          if (closedAt >= 0 && events.length > closedAt + 1) {
            unsubscribe();
            resolve();
          }
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => reject(new Error('the subscription completed')),
      },
    );
  });

  const closedAt = closeAfterUpdates();
  const closing = events[closedAt]!;
  const next = events[closedAt + 1]!;
  // The updates before the close were of the same candle, open, each with more ticks than the last.
  const updates = events.slice(0, closedAt).filter((candle) => candle.openTime === closing.openTime);
  expect(updates.length).toBeGreaterThan(0);
  expect(updates.every((candle) => !candle.closed && candle.symbol === 'BTC' && candle.interval === 'M1')).toBe(true);
  const counts = updates.map((candle) => candle.tickCount);
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  // The close is the last state of that candle, whole: as many ticks as its last update at least, OHLC consistent.
  expect(closing.tickCount).toBeGreaterThanOrEqual(counts[counts.length - 1]!);
  expect(Number(closing.low)).toBeLessThanOrEqual(Math.min(Number(closing.open), Number(closing.close)));
  expect(Number(closing.high)).toBeGreaterThanOrEqual(Math.max(Number(closing.open), Number(closing.close)));
  // Then the next minute's candle, open.
  expect(new Date(next.openTime).getTime() - new Date(closing.openTime).getTime()).toBe(60_000);
  expect(next.closed).toBe(false);
  expect(new Date(closing.openTime).getUTCSeconds()).toBe(0);
}, 120_000);
