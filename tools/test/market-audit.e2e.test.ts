import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../subgraphs/market/src/modules/ingestion/clock';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * An audit of the market data clients read through the gateway, with prices scripted round by
 * round (a CoinGecko replay) and market's clock moved by the test: candles built from ticks at
 * every interval, across a UTC day's end, with missed rounds and a symbol one round lacks; CSV
 * imports over them; paging while rounds land; the snapshot against the history; and the
 * `candles` subscription's updates and closes.
 */
const INTERVAL_MS = 15_000;
const DAY_MS = 86_400_000;

/** A clock that moves only when told; the round schedule's one timer fires when time reaches it. */
class SteppedClock implements Clock {
  private timers: { fn: () => void; at: number; id: number }[] = [];
  private nextId = 0;
  /** How many timers were ever set: the schedule sets the next one when a round (and its gaps) is done. */
  armed = 0;
  constructor(private time: number) {}
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number): TimerHandle => {
    const timer = { fn, at: this.time + ms, id: this.nextId++ };
    this.timers.push(timer);
    this.armed += 1;
    return timer.id;
  };
  clearTimeout = (handle: TimerHandle) => void (this.timers = this.timers.filter((timer) => timer.id !== handle));
  /** Sets the time without firing the timers due: a round that has not started (or not committed) yet. */
  hold(time: number): void {
    this.time = time;
  }
  /** Sets the time, firing the timers due by then. */
  set(time: number): void {
    this.time = time;
    const due = this.timers.filter((timer) => timer.at <= time);
    this.timers = this.timers.filter((timer) => timer.at > time);
    for (const timer of due) timer.fn();
  }
}

// Two days ago, a minute before midnight UTC: inside the ticks' retention, in the past for imports.
const MIDNIGHT = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS;
const START = MIDNIGHT - 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let clock: SteppedClock;
let coingecko: ReplayServer;
let platform: TestPlatform;
let admin: { accessToken: string };
let user: SignedUpUser;
let ws: Client;

/** One coin of CoinGecko's /coins/markets with the numbers written exactly as given (JSON number text). */
const coin = (id: string, symbol: string, price: string, volume: string) =>
  `{"id":"${id}","symbol":"${symbol}","name":"${id}","current_price":${price},"market_cap":1000,"total_volume":${volume},"price_change_percentage_24h":0.1}`;

/**
 * Runs the round of `roundTime` with these quotes (ETH left out when null), then sets the clock
 * half a second before the next boundary: the gateway reuses a round's answers only until then.
 */
async function round(roundTime: number, btc: string | null, eth: string | null, firedAt = roundTime): Promise<void> {
  const coins = [...(btc ? [coin('bitcoin', 'btc', btc, '576')] : []), ...(eth ? [coin('ethereum', 'eth', eth, '1152')] : [])];
  // Neither: CoinGecko fails the round (HTTP 500), so no tick at all.
  coingecko.route('GET', '/api/v3/coins/markets', coins.length ? { body: `[${coins.join(',')}]` } : { status: 500, body: { error: 'down' } });
  const armed = clock.armed;
  clock.set(firedAt);
  await eventually(async () => clock.armed > armed, 10_000);
  clock.set(roundTime + INTERVAL_MS - 500);
}

const query = async <T = any>(text: string, variables: Record<string, unknown> = {}, token: string | undefined = user.accessToken) => sendRaw<T>(platform.gatewayUrl, { query: text, variables }, token);
const errorsOf = (answer: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => (answer.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.field ?? null]);

const CANDLE_FIELDS = 'symbol interval openTime closeTime open high low close volume tickCount closed';
const candles = async (symbol: string, interval: string, args: Record<string, unknown> = {}) => {
  const answer = await query(
    `query($symbol: String!, $interval: CandleInterval!, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
      candles(symbol: $symbol, interval: $interval, from: $from, to: $to, first: $first, after: $after) { edges { cursor node { ${CANDLE_FIELDS} } } pageInfo { hasNextPage endCursor } }
    }`,
    { symbol, interval, ...args },
  );
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data.candles as { edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

/** Every event of subscription candles(BTC, M1) and (BTC, D1), in order of arrival. */
const live: Record<string, Record<string, unknown>[]> = { M1: [], D1: [], ETH: [] };
/** Rounds run before 23:59:00 (at 100.1) until the subscriptions were seen to be open. */
let warmUps = 0;

beforeAll(async () => {
  coingecko = await ReplayServer.start();
  coingecko.route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
  coingecko.route('GET', '/api/v3/coins/markets', { body: '[]' });
  clock = new SteppedClock(START - 65_000);
  platform = await startTestPlatform(
    {
      ...adminEnv('market-audit-admin@example.com'),
      MARKET_INTERVAL_SECONDS: String(INTERVAL_MS / 1000),
      MARKET_PROVIDERS: 'coingecko',
      MARKET_SYMBOLS: 'BTC,ETH',
      COINGECKO_BASE_URL: coingecko.url,
    },
    { market: { clock } },
  );
  [admin, user] = await Promise.all([logInAdmin(platform), signUp(platform)]);
  await eventually(async () => clock.armed > 0, 10_000);
  ws = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
  for (const interval of ['M1', 'D1']) {
    ws.subscribe(
      { query: `subscription($interval: CandleInterval!) { candles(symbol: "btc", interval: $interval) { ${CANDLE_FIELDS} } }`, variables: { interval } },
      { next: (event) => void live[interval]!.push(((event.data as any)?.candles ?? { errors: event.errors }) as Record<string, unknown>), error: () => undefined, complete: () => undefined },
    );
  }
  // Rounds from 23:58:00 until the subscriptions see one: from then on they see every round.
  ws.subscribe(
    { query: `subscription { candles(symbol: "ETH", interval: M1) { ${CANDLE_FIELDS} } }` },
    { next: (event) => void live.ETH!.push(((event.data as any)?.candles ?? { errors: event.errors }) as Record<string, unknown>), error: () => undefined, complete: () => undefined },
  );
  for (let time = START - 60_000; live.M1!.length === 0 || live.D1!.length === 0 || live.ETH!.length === 0; time += INTERVAL_MS) {
    if (time >= START) throw new Error('the candle subscriptions saw no round');
    warmUps += 1;
    await round(time, '100.1', '0.000000001234');
    await eventually(async () => live.M1!.length > 0 && live.D1!.length > 0 && live.ETH!.length > 0, 3_000).catch(() => undefined);
  }
  // 23:59:00 to 23:59:45: four rounds of one minute (high at :30, low at :45).
  await round(START, '100.1', '0.000000001234');
  await round(START + 15_000, '100.2', '0.000000001235');
  await round(START + 30_000, '100.7', '0.000000001236');
  await round(START + 45_000, '99.9', '0.000000001233');
  // Exactly at midnight: the first tick of the new minute, hour, four hours and day.
  await round(MIDNIGHT, '123456789012345678901234567890.123456789', '0.000000001');
  // CoinGecko has no ETH this round.
  await round(MIDNIGHT + 15_000, '0.30000000000000004', null);
  // The timer fires late, at 00:01:40: the boundaries 00:00:30 to 00:01:15 are missed, the round is 00:01:30.
  await round(MIDNIGHT + 90_000, '101', '0.000000001240', MIDNIGHT + 100_000);
  await round(MIDNIGHT + 105_000, '102', '0.000000001241');
}, 120_000);

afterAll(async () => {
  await ws?.dispose();
  await platform?.stop();
  await coingecko?.stop();
}, 60_000);

describe('candles built from ticks', () => {
  it('takes the first tick as open, the last as close, the extremes, the count and the estimated volume, for every interval', async () => {
    // The 23:59 minute: 4 ticks, each 15 s of a 24 h volume of 576 (0.1) for BTC; the longer periods also hold the warm-up rounds of 23:58,
    // and their volume the two minutes from the first of them (23:58:00), the boundaries the warm-up skipped included.
    const expected = (ticks: number) => ({ open: '100.1', high: '100.7', low: '99.9', close: '99.9', volume: ticks === 4 ? '0.4' : '0.8', tickCount: ticks, closed: true });
    for (const [interval, openTime] of [
      ['M1', START],
      ['M5', MIDNIGHT - 300_000],
      ['M15', MIDNIGHT - 900_000],
      ['H1', MIDNIGHT - 3_600_000],
      ['H4', MIDNIGHT - 4 * 3_600_000],
      ['D1', MIDNIGHT - DAY_MS],
    ] as const) {
      const page = await candles('BTC', interval, { from: iso(openTime), to: iso(openTime) });
      expect([interval, page.edges.map((edge) => edge.node)]).toEqual([interval, [{ symbol: 'BTC', interval, openTime: iso(openTime), closeTime: iso(openTime + { M1: 60_000, M5: 300_000, M15: 900_000, H1: 3_600_000, H4: 14_400_000, D1: DAY_MS }[interval]), ...expected(interval === 'M1' ? 4 : 4 + warmUps) }]]);
    }
  });

  it('puts a tick exactly at a boundary in the period it opens, keeps the periods of missed rounds empty, and counts a symbol only where it was quoted', async () => {
    const m1 = await candles('BTC', 'M1', { from: iso(MIDNIGHT) });
    expect(m1.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ openTime: iso(MIDNIGHT), open: '123456789012345678901234567890.123456789', close: '0.30000000000000004', low: '0.30000000000000004', tickCount: 2, closed: true }),
      // Volume: each tick stands for the time from the previous one's round to its own round's end, within its period: missed
      // rounds leave no hole. 00:01:30 covers 00:01:00 to 00:01:45 (the rounds of 00:00:30 to 00:01:15 were missed), 00:01:45 the rest.
      expect.objectContaining({ openTime: iso(MIDNIGHT + 60_000), open: '101', close: '102', high: '102', low: '101', tickCount: 2, closed: false, volume: '0.4' }),
    ]);
    // The two minutes from midnight whole, at 576 a day: 0.8.
    for (const interval of ['M5', 'M15', 'H1', 'H4', 'D1']) {
      const current = (await candles('BTC', interval, { first: 1 })).edges[0]!.node;
      expect(current).toMatchObject({ openTime: iso(MIDNIGHT), open: '123456789012345678901234567890.123456789', high: '123456789012345678901234567890.123456789', low: '0.30000000000000004', close: '102', tickCount: 4, volume: '0.8', closed: false });
    }
    // ETH, unquoted at 00:00:15 too: its 00:01:30 tick covers from 00:00:15. Two minutes at 1152 a day: 1.6.
    const eth = (await candles('eth', 'D1', { first: 1 })).edges[0]!.node;
    expect(eth).toMatchObject({ symbol: 'ETH', open: '0.000000001', high: '0.000000001241', low: '0.000000001', close: '0.000000001241', tickCount: 3, volume: '1.6' });
    const gaps = await query('{ ingestionGaps(first: 10) { nodes { time reason } } }', {}, admin.accessToken);
    expect(gaps.errors).toBeUndefined();
    expect(gaps.data.ingestionGaps.nodes.map((gap: { time: string }) => gap.time).filter((time: string) => Date.parse(time) >= START).sort()).toEqual([30_000, 45_000, 60_000, 75_000].map((offset) => iso(MIDNIGHT + offset)));
  });
});

describe('the snapshot and the history agree', () => {
  it('on the latest round: its time, prices as exact decimal text, its global figures and FX rates', async () => {
    const answer = await query(`{
      marketSnapshot { time ticks { symbol price time global { time } } global { time btcDominance } }
      btc: asset(symbol: "BTC") { latestTick { price time } }
      eth: asset(symbol: "eth") { latestTick { price time } }
      globalMetrics(first: 1) { nodes { time ticks { symbol price } } }
      fxRates { quote rate time }
      ticks(symbol: "BTC", first: 1) { nodes { price time } }
    }`);
    expect(answer.errors).toBeUndefined();
    const latest = iso(MIDNIGHT + 105_000);
    const { marketSnapshot, btc, eth, globalMetrics, fxRates, ticks } = answer.data;
    expect(marketSnapshot.time).toBe(latest);
    expect(marketSnapshot.ticks).toEqual([
      { symbol: 'BTC', price: '102', time: latest, global: { time: latest } },
      { symbol: 'ETH', price: '0.000000001241', time: latest, global: { time: latest } },
    ]);
    expect(marketSnapshot.global.time).toBe(latest);
    expect(btc.latestTick).toEqual({ price: '102', time: latest });
    expect(eth.latestTick).toEqual({ price: '0.000000001241', time: latest });
    expect(globalMetrics.nodes).toEqual([{ time: latest, ticks: [{ symbol: 'BTC', price: '102' }, { symbol: 'ETH', price: '0.000000001241' }] }]);
    expect(ticks.nodes).toEqual([{ price: '102', time: latest }]);
    expect(fxRates.length).toBeGreaterThan(0);
    for (const rate of fxRates) expect(rate.time).toBe(latest);
  });

  it('on past rounds: a huge and a float-looking price come back digit for digit, and the symbol a round lacked has no tick in it', async () => {
    const round = await query(`query($from: DateTime!) { globalMetrics(from: $from, first: 2) { nodes { time ticks { symbol price } } } }`, { from: iso(MIDNIGHT) });
    expect(round.data.globalMetrics.nodes).toEqual([
      { time: iso(MIDNIGHT), ticks: [{ symbol: 'BTC', price: '123456789012345678901234567890.123456789' }, { symbol: 'ETH', price: '0.000000001' }] },
      { time: iso(MIDNIGHT + 15_000), ticks: [{ symbol: 'BTC', price: '0.30000000000000004' }] },
    ]);
  });
});

describe('history paging', () => {
  it('walks ticks newest first and oldest first without a duplicate or a hole while rounds land between pages', async () => {
    const warmUpTimes = Array.from({ length: warmUps }, (_, i) => START - 60_000 + i * INTERVAL_MS);
    const all = [...warmUpTimes, START, START + 15_000, START + 30_000, START + 45_000, MIDNIGHT, MIDNIGHT + 15_000, MIDNIGHT + 90_000, MIDNIGHT + 105_000].map(iso);
    const page = (args: Record<string, unknown>) =>
      query(`query($first: Int, $after: String, $from: DateTime, $to: DateTime) { ticks(symbol: "btc", first: $first, after: $after, from: $from, to: $to) { edges { cursor node { time } } pageInfo { hasNextPage endCursor hasPreviousPage } } }`, args);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i += 1) {
      const answer = await page({ first: 3, after, from: iso(START - 60_000) });
      seen.push(...answer.data.ticks.edges.map((edge: { node: { time: string } }) => edge.node.time));
      if (!answer.data.ticks.pageInfo.hasNextPage) break;
      after = answer.data.ticks.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
    // Newest first: a round lands after the first page; the next pages go on from where it ended.
    const first = await page({ first: 3 });
    await round(MIDNIGHT + 120_000, '103', '0.000000001242');
    const rest = await page({ first: 10, after: first.data.ticks.pageInfo.endCursor });
    expect([...first.data.ticks.edges, ...rest.data.ticks.edges].map((edge: { node: { time: string } }) => edge.node.time)).toEqual([...all].reverse());
    expect(rest.data.ticks.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    // from and to are both inclusive.
    const bounded = await page({ from: iso(START + 15_000), to: iso(START + 45_000) });
    expect(bounded.data.ticks.edges.map((edge: { node: { time: string } }) => edge.node.time)).toEqual(all.slice(warmUps + 1, warmUps + 4));
    // An empty page after the last item.
    const beyond = await page({ first: 3, after: rest.data.ticks.pageInfo.endCursor });
    expect(beyond.data.ticks).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('refuses bad arguments with BAD_USER_INPUT naming the field', async () => {
    for (const first of [0, -1]) expect(errorsOf(await query('query($first: Int) { ticks(symbol: "BTC", first: $first) { nodes { time } } }', { first }))).toEqual([['BAD_USER_INPUT', 'first']]);
    expect(errorsOf(await query('{ candles(symbol: "BTC", interval: M1, after: "not-a-cursor") { nodes { openTime } } }'))).toEqual([['BAD_USER_INPUT', 'after']]);
    expect(errorsOf(await query('query($interval: CandleInterval!) { candles(symbol: "BTC", interval: $interval) { nodes { openTime } } }', { interval: 'M2' }))[0]![0]).toBe('BAD_USER_INPUT');
    expect(errorsOf(await query('{ candles(symbol: "NOPE", interval: M1) { nodes { openTime } } }'))).toEqual([['NOT_FOUND', null]]);
  });
});

describe('CSV imports beside candles built from ticks', () => {
  const importCsv = (interval: string, lines: string[], symbol = 'BTC') =>
    query('mutation($symbol: String!, $interval: CandleInterval!, $csv: String!) { importCandles(symbol: $symbol, interval: $interval, csv: $csv) { imported skipped errors { line message } } }', { symbol, interval, csv: ['time,open,high,low,close,volume', ...lines].join('\n') }, admin.accessToken);

  it('replace the candles of the periods they bring, out of order lines sorted, and leave the rest to the ticks', async () => {
    // Out of order: 23:58 then 23:57; 23:59 replaces the one the rounds built.
    const answer = await importCsv('M1', [`${iso(START)},1,4,0.5,2,10`, `${iso(START - 60_000)},3,3,3,3,1`, `${iso(START - 120_000)},2,2,2,2,1`]);
    expect(answer.data?.importCandles).toEqual({ imported: 3, skipped: 0, errors: [] });
    const page = await candles('BTC', 'M1', { from: iso(START - 120_000), first: 4 });
    expect(page.edges.map((edge) => [edge.node.openTime, edge.node.open, edge.node.close, edge.node.tickCount])).toEqual([
      [iso(START - 120_000), '2', '2', 0],
      [iso(START - 60_000), '3', '3', 0],
      [iso(START), '1', '2', 0],
      [iso(MIDNIGHT), '123456789012345678901234567890.123456789', '0.30000000000000004', 2],
    ]);
    // The hour of 23:00 is not whole in M1 (57 minutes missing): its H1 stays as the ticks built it.
    expect((await candles('BTC', 'H1', { from: iso(MIDNIGHT - 3_600_000), to: iso(MIDNIGHT - 3_600_000) })).edges[0]!.node).toMatchObject({ open: '100.1', tickCount: 4 + warmUps });
  });

  it('refuses the candle still open and lists it, importing the rest', async () => {
    // Open by market's clock (00:01 here), which the rounds keep, whatever the machine's says.
    const currentMinute = Math.floor(clock.now() / 60_000) * 60_000;
    const answer = await importCsv('M1', [`${iso(START - 180_000)},5,5,5,5,1`, `${iso(currentMinute)},1,1,1,1,1`]);
    expect(answer.data?.importCandles).toMatchObject({ imported: 1, errors: [{ line: 3, message: expect.stringMatching(/not closed yet/) }] });
  });
});

describe('the candles subscription', () => {
  it('sends each update of the current candle, then its close, period by period', async () => {
    const summary = (events: Record<string, unknown>[]) => events.filter((event) => Date.parse(event.openTime as string) >= START).map((event) => `${event.openTime} ${event.closed ? 'closed' : event.tickCount}`);
    await eventually(async () => summary(live.M1!).length >= 12, 10_000);
    expect(summary(live.M1!)).toEqual([
      `${iso(START)} 1`,
      `${iso(START)} 2`,
      `${iso(START)} 3`,
      `${iso(START)} 4`,
      `${iso(START)} closed`,
      `${iso(MIDNIGHT)} 1`,
      `${iso(MIDNIGHT)} 2`,
      `${iso(MIDNIGHT)} closed`,
      `${iso(MIDNIGHT + 60_000)} 1`,
      `${iso(MIDNIGHT + 60_000)} 2`,
      `${iso(MIDNIGHT + 60_000)} closed`,
      `${iso(MIDNIGHT + 120_000)} 1`,
    ]);
    expect(live.M1!.find((event) => event.openTime === iso(START) && event.closed)).toMatchObject({ open: '100.1', close: '99.9', high: '100.7', low: '99.9', tickCount: 4 });
    // The day: its updates, its close at the first round of the next day, then the next day's candle.
    const day = live.D1!.map((event) => `${event.openTime} ${event.closed ? 'closed' : event.tickCount}`);
    const closedAt = day.indexOf(`${iso(MIDNIGHT - DAY_MS)} closed`);
    expect(day.slice(closedAt - 4, closedAt + 5)).toEqual([
      `${iso(MIDNIGHT - DAY_MS)} ${warmUps + 1}`,
      `${iso(MIDNIGHT - DAY_MS)} ${warmUps + 2}`,
      `${iso(MIDNIGHT - DAY_MS)} ${warmUps + 3}`,
      `${iso(MIDNIGHT - DAY_MS)} ${warmUps + 4}`,
      `${iso(MIDNIGHT - DAY_MS)} closed`,
      `${iso(MIDNIGHT)} 1`,
      `${iso(MIDNIGHT)} 2`,
      `${iso(MIDNIGHT)} 3`,
      `${iso(MIDNIGHT)} 4`,
    ]);
  });
});

describe('later rounds', () => {
  const summary = (events: Record<string, unknown>[], from: number) => events.filter((event) => Date.parse(event.openTime as string) >= from).map((event) => `${event.openTime} ${event.closed ? 'closed' : event.tickCount}`);

  it("give a symbol a round lacks its newest stored tick as latestTick, with that tick's round figures", async () => {
    await round(MIDNIGHT + 135_000, '104', null);
    const answer = await query('{ marketSnapshot(symbols: ["ETH"]) { time ticks { price } } asset(symbol: "ETH") { latestTick { price time global { time } } } }');
    expect(answer.data).toEqual({
      marketSnapshot: { time: iso(MIDNIGHT + 135_000), ticks: [] },
      asset: { latestTick: { price: '0.000000001242', time: iso(MIDNIGHT + 120_000), global: { time: iso(MIDNIGHT + 120_000) } } },
    });
  });

  it('close the candle of a symbol missing from the closing round, and close a candle at a round that failed', async () => {
    await round(MIDNIGHT + 180_000, '104.5', null);
    await eventually(async () => summary(live.ETH!, MIDNIGHT + 120_000).length >= 2, 5_000);
    expect(summary(live.ETH!, MIDNIGHT + 120_000)).toEqual([`${iso(MIDNIGHT + 120_000)} 1`, `${iso(MIDNIGHT + 120_000)} closed`]);
    // 00:04:00: CoinGecko fails, nothing is stored; the 00:03 candle has ended all the same.
    await round(MIDNIGHT + 240_000, null, null);
    const gap = await query('query($from: DateTime) { ingestionGaps(from: $from, first: 1) { nodes { time reason } } }', { from: iso(MIDNIGHT + 240_000) }, admin.accessToken);
    expect(gap.data.ingestionGaps.nodes).toEqual([{ time: iso(MIDNIGHT + 240_000), reason: expect.stringMatching(/coingecko/) }]);
    expect((await candles('BTC', 'M1', { first: 1 })).edges[0]!.node).toMatchObject({ openTime: iso(MIDNIGHT + 180_000), tickCount: 1, closed: true });
    await round(MIDNIGHT + 255_000, '105', '0.000000001');
    await eventually(async () => summary(live.M1!, MIDNIGHT + 180_000).length >= 3, 5_000);
    expect(summary(live.M1!, MIDNIGHT + 120_000)).toEqual([
      `${iso(MIDNIGHT + 120_000)} 1`,
      `${iso(MIDNIGHT + 120_000)} 2`,
      `${iso(MIDNIGHT + 120_000)} closed`,
      `${iso(MIDNIGHT + 180_000)} 1`,
      `${iso(MIDNIGHT + 180_000)} closed`,
      `${iso(MIDNIGHT + 240_000)} 1`,
    ]);
    // Asset.candles reads what candles reads.
    const both = await query('{ asset(symbol: "btc") { candles(interval: M1, first: 3) { nodes { openTime close tickCount closed } } } candles(symbol: "BTC", interval: M1, first: 3) { nodes { openTime close tickCount closed } } }');
    expect(both.data.asset.candles).toEqual(both.data.candles);
  });

  it('an import of a whole hour of M1 rebuilds its M5, M15 and H1 from them, and leaves the H4 it does not complete', async () => {
    const hour = MIDNIGHT - 3_600_000;
    const lines = Array.from({ length: 60 }, (_, minute) => `${iso(hour + minute * 60_000)},${200 + minute},${300 + minute},${100 + minute},${201 + minute},0.1`);
    const answer = await query(
      'mutation($csv: String!) { importCandles(symbol: "BTC", interval: M1, csv: $csv) { imported skipped errors { line message } } }',
      { csv: ['time,open,high,low,close,volume', ...lines.reverse()].join('\n') },
      admin.accessToken,
    );
    expect(answer.data?.importCandles).toEqual({ imported: 60, skipped: 0, errors: [] });
    const at = async (interval: string, openTime: number) => (await candles('BTC', interval, { from: iso(openTime), to: iso(openTime) })).edges[0]!.node;
    expect(await at('H1', hour)).toMatchObject({ open: '200', high: '359', low: '100', close: '260', volume: '6', tickCount: 0, closed: true });
    expect(await at('M15', MIDNIGHT - 900_000)).toMatchObject({ open: '245', high: '359', low: '145', close: '260', volume: '1.5', tickCount: 0 });
    expect(await at('M5', MIDNIGHT - 300_000)).toMatchObject({ open: '255', close: '260', volume: '0.5', tickCount: 0 });
    expect(await at('H4', MIDNIGHT - 4 * 3_600_000)).toMatchObject({ open: '100.1', tickCount: 4 + warmUps });
  });

  it('an import of a candle that ended but that no round has closed yet still reaches subscribers as its close', async () => {
    // The round of 00:04:15 left the 00:04 candle open. At 00:05:00.2 the next round has not committed yet
    // (a provider still answering) when an exchange's export of the minute that just ended is imported.
    clock.hold(MIDNIGHT + 300_200);
    const answer = await query(
      'mutation($csv: String!) { importCandles(symbol: "BTC", interval: M1, csv: $csv) { imported skipped errors { line message } } }',
      { csv: `time,open,high,low,close,volume\n${iso(MIDNIGHT + 240_000)},105.5,106,105,105.25,7` },
      admin.accessToken,
    );
    expect(answer.data?.importCandles).toEqual({ imported: 1, skipped: 0, errors: [] });
    await round(MIDNIGHT + 300_000, '106', '0.000000001', MIDNIGHT + 300_200);
    await eventually(async () => summary(live.M1!, MIDNIGHT + 300_000).length >= 1, 5_000);
    expect(summary(live.M1!, MIDNIGHT + 240_000)).toEqual([`${iso(MIDNIGHT + 240_000)} 1`, `${iso(MIDNIGHT + 240_000)} closed`, `${iso(MIDNIGHT + 300_000)} 1`]);
    expect(live.M1!.find((event) => event.openTime === iso(MIDNIGHT + 240_000) && event.closed)).toMatchObject({ open: '105.5', high: '106', low: '105', close: '105.25', volume: '7', tickCount: 0 });
    expect((await candles('BTC', 'M1', { from: iso(MIDNIGHT + 240_000), to: iso(MIDNIGHT + 240_000) })).edges[0]!.node).toMatchObject({ open: '105.5', close: '105.25', tickCount: 0, closed: true });
  });

  it('a round with no tick at all still closes every candle whose period has ended, and announces the closes', async () => {
    // 00:05:15 quotes both; at 00:06:00 CoinGecko fails. The 00:05 minute has ended: closed by that round, not the next one with ticks.
    await round(MIDNIGHT + 315_000, '107', '0.000000002');
    await round(MIDNIGHT + 360_000, null, null);
    await eventually(async () => summary(live.M1!, MIDNIGHT + 300_000).includes(`${iso(MIDNIGHT + 300_000)} closed`), 5_000);
    expect(summary(live.M1!, MIDNIGHT + 300_000)).toEqual([`${iso(MIDNIGHT + 300_000)} 1`, `${iso(MIDNIGHT + 300_000)} 2`, `${iso(MIDNIGHT + 300_000)} closed`]);
    await eventually(async () => summary(live.ETH!, MIDNIGHT + 300_000).includes(`${iso(MIDNIGHT + 300_000)} closed`), 5_000);
    expect(live.ETH!.find((event) => event.openTime === iso(MIDNIGHT + 300_000) && event.closed)).toMatchObject({ close: '0.000000002', tickCount: 2 });
    // The stored flag, not only the one a query derives from the clock: the close's market.candle event for analysis is written with it.
    const stored = await platform.market!.runtime.orm.em.fork().execute<{ interval: string }[]>('SELECT interval FROM candles WHERE symbol = ? AND open_time = ? AND closed', ['BTC', new Date(MIDNIGHT + 300_000)]);
    expect(stored.map((row) => row.interval)).toEqual(['M1']);
    // The next round with ticks announces no close again.
    await round(MIDNIGHT + 375_000, '108', '0.000000003');
    await eventually(async () => summary(live.M1!, MIDNIGHT + 360_000).length >= 1, 5_000);
    expect(summary(live.M1!, MIDNIGHT + 300_000)).toEqual([`${iso(MIDNIGHT + 300_000)} 1`, `${iso(MIDNIGHT + 300_000)} 2`, `${iso(MIDNIGHT + 300_000)} closed`, `${iso(MIDNIGHT + 360_000)} 1`]);
  });

  it('a round that commits after its period ended leaves a candle imported meanwhile as imported', async () => {
    // The round of 00:06:30 waits 2 s for CoinGecko; it commits after 00:07:00, once the 00:06 minute has ended.
    coingecko.route('GET', '/api/v3/coins/markets', { body: `[${coin('bitcoin', 'btc', '500', '576')},${coin('ethereum', 'eth', '0.000000004', '1152')}]`, delayMs: 2_000 });
    const [armed, asked] = [clock.armed, coingecko.requestsTo('/api/v3/coins/markets').length];
    clock.set(MIDNIGHT + 390_000);
    await eventually(async () => coingecko.requestsTo('/api/v3/coins/markets').length > asked, 5_000);
    clock.hold(MIDNIGHT + 420_200);
    // Meanwhile an exchange's export of that minute is imported.
    const answer = await query(
      'mutation($csv: String!) { importCandles(symbol: "BTC", interval: M1, csv: $csv) { imported skipped errors { line message } } }',
      { csv: `time,open,high,low,close,volume\n${iso(MIDNIGHT + 360_000)},108,109,107.5,108.5,9` },
      admin.accessToken,
    );
    expect(answer.data?.importCandles).toEqual({ imported: 1, skipped: 0, errors: [] });
    await eventually(async () => clock.armed > armed, 10_000);
    expect((await candles('BTC', 'M1', { from: iso(MIDNIGHT + 360_000), to: iso(MIDNIGHT + 360_000) })).edges[0]!.node).toMatchObject({ open: '108', high: '109', low: '107.5', close: '108.5', volume: '9', tickCount: 0 });
    // The round's tick still counts in the periods that had not ended: the 00:05 five minutes.
    expect((await candles('BTC', 'M5', { from: iso(MIDNIGHT + 300_000), to: iso(MIDNIGHT + 300_000) })).edges[0]!.node).toMatchObject({ high: '500', close: '500' });
  });

  it("an asset renamed while a round asks its providers shows its new name in that round's snapshot", async () => {
    coingecko.route('GET', '/api/v3/coins/markets', { body: `[${coin('bitcoin', 'btc', '501', '576')},${coin('ethereum', 'eth', '0.000000004', '1152')}]`, delayMs: 1_000 });
    const [armed, asked] = [clock.armed, coingecko.requestsTo('/api/v3/coins/markets').length];
    clock.set(MIDNIGHT + 435_000);
    // The round has read the tracked assets and waits for CoinGecko when an admin renames BTC.
    await eventually(async () => coingecko.requestsTo('/api/v3/coins/markets').length > asked, 5_000);
    const renamed = await query('mutation { trackAsset(symbol: "BTC", name: "Bitcoin (renamed)") { name } }', {}, admin.accessToken);
    expect(renamed.data).toEqual({ trackAsset: { name: 'Bitcoin (renamed)' } });
    await eventually(async () => clock.armed > armed, 10_000);
    const answer = await query('{ marketSnapshot(symbols: ["BTC"]) { time ticks { price asset { name } } } }');
    expect(answer.data.marketSnapshot).toEqual({ time: iso(MIDNIGHT + 435_000), ticks: [{ price: '501', asset: { name: 'Bitcoin (renamed)' } }] });
  });
});
