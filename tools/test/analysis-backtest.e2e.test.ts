import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { findSamples, INTERVAL_MS, MetricSample, parsePrometheusText, sampleValue } from '@herck/common';
import { StrategyEngine } from '../../subgraphs/analysis/src/modules/evaluation/strategy-engine';
import { CandleStore } from '../../subgraphs/analysis/src/modules/candle/candle-store';
import { TickStore } from '../../subgraphs/analysis/src/modules/candle/tick-store';
import { definitionOf } from '../../subgraphs/analysis/src/modules/evaluation/engine-loader';
import { Strategy } from '../../subgraphs/analysis/src/modules/strategy/strategy.entity';
import { codes, send } from './support/graphql-client';
import { AlertsDocument, BacktestStrategyDocument, CreateStrategyDocument, ImportCandlesDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

const HOUR = INTERVAL_MS.H1;
/** 120 hourly candles ending two days ago: a scripted path of rises and falls. */
const FIRST_OPEN = Math.floor((Date.now() - 7 * 86_400_000) / HOUR) * HOUR;
const CLOSES = Array.from({ length: 120 }, (_, hour) => 2000 + 150 * Math.sin(hour / 5) + 40 * Math.sin(hour * 1.7));

let platform: TestPlatform;
let user: SignedUpUser;

/**
 * The backtests' checks waiting for a lock the test holds on `candles` (through `lock`): each holds
 * one of analysis's pool connections while it waits. The check's candle query, recognised by its text.
 */
async function checksWaiting(lock: pg.Client): Promise<number> {
  // `lock` is inside its transaction, where PostgreSQL keeps the first read of pg_stat_activity's sessions
  // and their statements until the transaction ends (only the wait columns are read live): a check whose
  // count had not been sent by the first read would never be counted. Read afresh each time.
  await lock.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await lock.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE 'SELECT count(*)::int AS n FROM (SELECT 1 FROM candles%'`,
  );
  return rows[0]!.n;
}

beforeAll(async () => {
  platform = await startTestPlatform({ ...adminEnv('backtests@example.com'), MARKET_INTERVAL_SECONDS: '1', MARKET_SYMBOLS: 'BTC,ETH', ANALYSIS_ALERT_RETENTION_DAYS: '90' }, { market: {}, analysis: {} });
  const admin = await logInAdmin(platform);
  user = await signUp(platform);
  const csv = ['time,open,high,low,close,volume', ...CLOSES.map((close, hour) => `${new Date(FIRST_OPEN + hour * HOUR).toISOString()},${close - 5},${close + 10},${close - 10},${close.toFixed(4)},${100 + hour}`)].join('\n');
  const imported = await send(platform.gatewayUrl, ImportCandlesDocument, { symbol: 'ETH', interval: 'H1', csv }, admin.accessToken);
  expect(imported.data?.importCandles).toMatchObject({ imported: 120, errors: [] });
  // Market announces imported candles; analysis keeps its own copy.
  await eventually(async () => (await CandleStore.between(platform.analysis!.runtime.orm.em.fork(), 'ETH', 'H1', new Date(FIRST_OPEN), new Date(FIRST_OPEN + 120 * HOUR))).length === 120, 20_000);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

describe('backtests', () => {
  it('give the triggers live evaluation gives on the same candles', async () => {
    const created = await send(
      platform.gatewayUrl,
      CreateStrategyDocument,
      {
        input: {
          name: 'ETH momentum',
          symbols: ['ETH'],
          interval: 'H1',
          indicators: [
            { name: 'ema8', kind: 'EMA', period: 8 },
            { name: 'rsi6', kind: 'RSI', period: 6 },
            { name: 'bb', kind: 'BBANDS', period: 10, deviation: 1.5 },
          ],
          condition: 'price > ema8 && rsi6 > 55.0 && price < bb.upper',
          trigger: 'ON_CLOSE',
          cooldownSeconds: 3 * 3600,
        },
      },
      user.accessToken,
    );
    const id = created.data!.createStrategy.strategy.id;
    const from = new Date(FIRST_OPEN + 30 * HOUR);
    const to = new Date(FIRST_OPEN + 120 * HOUR);
    const backtest = (await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: from.toISOString(), to: to.toISOString() }, user.accessToken)).data!.backtestStrategy;
    expect(backtest.summary.count).toBeGreaterThan(2);
    expect(backtest.summary.count).toBe(backtest.triggers.length);
    expect(backtest.summary.firstAt).toBe(backtest.triggers[0]!.time);

    // Live evaluation: the engine analysis runs, fed the same candles as market closes them, each at its close time.
    const em = platform.analysis!.runtime.orm.em.fork();
    const strategy = await em.findOneOrFail(Strategy, { id });
    let now = 0;
    const engine = new StrategyEngine((symbol, interval, count) => CandleStore.latest(platform.analysis!.runtime.orm.em.fork(), symbol, interval, count, from), () => now);
    await engine.watch(definitionOf(strategy));
    const live: { time: string; price: number }[] = [];
    for (const candle of await CandleStore.between(em, 'ETH', 'H1', from, to)) {
      now = candle.openTime.getTime() + HOUR;
      for (const firing of engine.onCandleClosed(candle).firings) live.push({ time: firing.at.toISOString(), price: firing.price });
    }
    expect(backtest.triggers.map((trigger) => ({ time: new Date(trigger.time).toISOString(), price: Number(trigger.price) }))).toEqual(live);
  });

  it('replay the ticks live evaluation read for a strategy that evaluates on ticks, and evaluate at the close where none were kept', async () => {
    // Ticks every 10 minutes during hours 60–89 of the imported path, announced as market announces rounds.
    const TICKED = { first: 60, last: 89 };
    const ticks: { time: number; price: string }[] = [];
    for (let hour = TICKED.first; hour <= TICKED.last; hour += 1) {
      for (let step = 0; step < 6; step += 1) {
        const price = CLOSES[hour - 1]! + ((CLOSES[hour]! - CLOSES[hour - 1]!) * (step + 1)) / 6 + 25 * Math.sin(hour * 3.1 + step * 2.3);
        ticks.push({ time: FIRST_OPEN + hour * HOUR + step * 600_000, price: price.toFixed(4) });
      }
    }
    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    try {
      for (const tick of ticks) {
        const round = { time: new Date(tick.time).toISOString(), prices: [{ symbol: 'ETH', price: tick.price, source: 'test', change24h: '1.5' }] };
        await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.tick', 'market', $1)", [JSON.stringify(round)]);
      }
    } finally {
      await bus.end();
    }
    // Every tick stored before the backtest reads them: catching up waits at most 2 s, which a loaded machine may need more than.
    const stored = () => TickStore.count(platform.analysis!.runtime.orm.em.fork(), ['ETH'], new Date(ticks[0]!.time), new Date(ticks.at(-1)!.time + 1));
    await eventually(async () => (await stored()) === ticks.length, 30_000);
    // The backtest's bound counts no further than one past it.
    expect(await TickStore.count(platform.analysis!.runtime.orm.em.fork(), ['ETH'], new Date(ticks[0]!.time), new Date(ticks.at(-1)!.time + 1), 5)).toBe(6);
    const created = await send(
      platform.gatewayUrl,
      CreateStrategyDocument,
      { input: { name: 'ETH crossing', symbols: ['ETH'], interval: 'H1', indicators: [{ name: 'ema8', kind: 'EMA', period: 8 }], condition: 'price > ema8', trigger: 'ON_CROSS' } },
      user.accessToken,
    );
    const id = created.data!.createStrategy.strategy.id;
    const backtestOf = async (fromHour: number, toHour: number) =>
      (await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: new Date(FIRST_OPEN + fromHour * HOUR).toISOString(), to: new Date(FIRST_OPEN + toHour * HOUR).toISOString() }, user.accessToken)).data!.backtestStrategy;
    const replayed = await backtestOf(TICKED.first, TICKED.last + 1);

    // Live evaluation: the engine analysis runs, fed as market announced them — a round's closed candle, then its tick.
    const from = new Date(FIRST_OPEN + TICKED.first * HOUR);
    const em = platform.analysis!.runtime.orm.em.fork();
    const strategy = await em.findOneOrFail(Strategy, { id });
    let now = 0;
    const engine = new StrategyEngine((symbol, interval, count) => CandleStore.latest(platform.analysis!.runtime.orm.em.fork(), symbol, interval, count, from), () => now);
    await engine.watch(definitionOf(strategy));
    const candles = await CandleStore.between(em, 'ETH', 'H1', from, new Date(FIRST_OPEN + (TICKED.last + 1) * HOUR));
    const live: { time: string; price: number }[] = [];
    for (const tick of ticks) {
      const closing = candles.find((candle) => candle.openTime.getTime() + HOUR === tick.time);
      if (closing) expect(engine.onCandleClosed(closing).firings).toEqual([]);
      now = tick.time;
      for (const firing of engine.onTick('ETH', new Date(tick.time), Number(tick.price), 1.5).firings) live.push({ time: firing.at.toISOString(), price: firing.price });
    }
    expect(replayed.triggers.map((trigger) => ({ time: new Date(trigger.time).toISOString(), price: Number(trigger.price) }))).toEqual(live);
    expect(live.length).toBeGreaterThan(2);
    // Fired at ticks inside their hours, not at closes.
    expect(live.some(({ time }) => new Date(time).getTime() % HOUR !== 0)).toBe(true);
    // Where no tick was kept, the strategy is evaluated at each close, as before ticks were kept.
    const fromCloses = await backtestOf(30, TICKED.first);
    expect(fromCloses.triggers.length).toBeGreaterThan(0);
    expect(fromCloses.triggers.every((trigger) => new Date(trigger.time).getTime() % HOUR === 0)).toBe(true);
  });

  it('start a range that begins inside a period where live evaluation stood: that period\'s later ticks and its close count', async () => {
    // Hour 75 holds ticks at :00, :10 … :50 (the test above announced them); the range starts at 75:25.
    const hour = FIRST_OPEN + 75 * HOUR;
    expect(await TickStore.count(platform.analysis!.runtime.orm.em.fork(), ['ETH'], new Date(hour), new Date(hour + HOUR))).toBe(6);
    const from = new Date(hour + 25 * 60_000).toISOString();
    const to = new Date(hour + 3 * HOUR).toISOString();
    const firstTrigger = async (input: Record<string, unknown>) => {
      const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'mid-period', symbols: ['ETH'], interval: 'H1', ...input } as never }, user.accessToken);
      const answer = await send(platform.gatewayUrl, BacktestStrategyDocument, { id: created.data!.createStrategy.strategy.id, from, to }, user.accessToken);
      expect(answer.errors).toBeUndefined();
      return answer.data!.backtestStrategy.triggers[0];
    };
    // Live, a strategy created at 75:25 first evaluates at the 75:30 tick, with the hour's ticks so far in its candle.
    // The period was read as closed history instead, and its ticks refused until 76:00.
    const warm = await firstTrigger({ indicators: [{ name: 'ema8', kind: 'EMA', period: 8 }], condition: 'price > 0.0 && ema8 > 0.0', trigger: 'ON_CROSS' });
    expect(new Date(warm!.time).getTime()).toBe(hour + 30 * 60_000);
    // Live, the close of the hour it was created in is its first: 76:00.
    const onClose = await firstTrigger({ indicators: [], condition: 'price > 0.0', trigger: 'ON_CLOSE' });
    expect(new Date(onClose!.time).getTime()).toBe(hour + HOUR);
    // `volume` is the last closed candle's (hour 74: 174), also for a strategy without indicators.
    const volume = await firstTrigger({ indicators: [], condition: 'volume > 100.0', trigger: 'ON_CROSS' });
    expect([new Date(volume!.time).getTime(), volume!.values]).toEqual([hour + 30 * 60_000, expect.objectContaining({ volume: 174 })]);
  });

  it('keep the ticks backtests replay for ANALYSIS_TICK_RETENTION_DAYS', async () => {
    const em = platform.analysis!.runtime.orm.em.fork();
    const old = new Date(Date.now() - 31 * 86_400_000);
    await em.execute("INSERT INTO ticks (symbol, time, price) VALUES ('OLD', ?, 1), ('OLD', now(), 2)", [old]);
    await platform.analysis!.housekeeping();
    expect((await em.execute<{ price: string }[]>("SELECT price::text FROM ticks WHERE symbol = 'OLD'")).map((row) => row.price)).toEqual(['2']);
    // Market's rounds are kept as they arrive.
    await eventually(async () => (await em.execute<{ n: number }[]>("SELECT count(*)::int AS n FROM ticks WHERE symbol = 'BTC' AND time > now() - interval '1 minute'"))[0]!.n > 0, 20_000);
  });

  it('keep alerts, with their notices and deliveries, for ANALYSIS_ALERT_RETENTION_DAYS', async () => {
    const em = platform.analysis!.runtime.orm.em.fork();
    const [owner, strategy] = [randomUUID(), randomUUID()];
    await em.execute(
      // Switched off: written behind the engine's back, it is none of the strategies the engine watches.
      `INSERT INTO strategies (id, owner_id, name, symbols, interval, indicators, condition, trigger, cooldown_seconds, notify_in_app, notify_email, enabled, created_at, updated_at)
       VALUES (?, ?, 'kept', ARRAY['BTC'], 'M1', '[]', 'price > 1.0', 'ON_CROSS', 0, true, false, false, now(), now())`,
      [strategy, owner],
    );
    // One alert a day past the 90 days kept, one a day inside them; each with its notice and a webhook delivery.
    const alerts = { gone: randomUUID(), kept: randomUUID() };
    for (const [id, daysAgo] of [[alerts.gone, 91], [alerts.kept, 89]] as const) {
      const at = new Date(Date.now() - daysAgo * 86_400_000);
      await em.execute("INSERT INTO alerts (id, strategy_id, owner_id, symbol, triggered_at, price, values, message) VALUES (?, ?, ?, 'BTC', ?, 1, '{}', 'm')", [id, strategy, owner, at]);
      await em.execute("INSERT INTO notifications (id, owner_id, alert_id, strategy_id, message, created_at) VALUES (?, ?, ?, ?, 'm', ?)", [randomUUID(), owner, id, strategy, at]);
      await em.execute("INSERT INTO deliveries (id, channel, alert_id, strategy_id, target, body, status, created_at) VALUES (?, 'WEBHOOK', ?, ?, 'https://hooks.example.com/', '{}', 'DELIVERED', ?)", [randomUUID(), id, strategy, at]);
    }
    await platform.analysis!.housekeeping();
    const left = async (table: string) => (await em.execute<{ alert_id: string }[]>(`SELECT alert_id FROM ${table} WHERE strategy_id = ?`, [strategy])).map((row) => row.alert_id);
    expect((await em.execute<{ id: string }[]>('SELECT id FROM alerts WHERE strategy_id = ?', [strategy])).map((row) => row.id)).toEqual([alerts.kept]);
    expect(await left('notifications')).toEqual([alerts.kept]);
    expect(await left('deliveries')).toEqual([alerts.kept]);
  });

  it('read the 24-hour change live evaluation read at a close, not one worked out from the closes', async () => {
    // A tick of a new symbol with the provider's change, then the close of its minute: as market announces them.
    const closeTime = Math.floor(Date.now() / 60_000) * 60_000;
    const openTime = closeTime - 60_000;
    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    try {
      const publish = (type: string, payload: object) => bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), $1, 'market', $2)", [type, JSON.stringify(payload)]);
      await publish('market.tick', { time: new Date(closeTime - 1_000).toISOString(), prices: [{ symbol: 'CHG', price: '10', source: 'test', volume24h: null, change24h: '-2.5' }] });
      const candle = { symbol: 'CHG', interval: 'M1', openTime: new Date(openTime).toISOString(), closeTime: new Date(closeTime).toISOString(), open: '10', high: '10', low: '10', close: '10', volume: '1' };
      await publish('market.candle', candle);
    } finally {
      await bus.end();
    }
    await platform.analysis!.runtime.catchUpEvents();
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'falling', symbols: ['CHG'], interval: 'M1', indicators: [], condition: 'change24h < -2.0', trigger: 'ON_CLOSE' } }, user.accessToken);
    const id = created.data!.createStrategy.strategy.id;
    const backtest = await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: new Date(openTime - 3_600_000).toISOString(), to: new Date(closeTime).toISOString() }, user.accessToken);
    // No close a day before exists to work a change out from: only the figure kept with the candle can make it fire.
    expect(backtest.data!.backtestStrategy.triggers.map((trigger) => [trigger.time, (trigger.values as { change24h: number }).change24h])).toEqual([[new Date(closeTime).toISOString(), -2.5]]);
  });

  it('keep the newest announcement of a candle, whichever reaches the bus first', async () => {
    // A round closed the candle (revision 3), then an import replaced its figures (revision 4) on another
    // market replica, whose relay put that on the bus first: every replica's relay moves events side by side.
    const openTime = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const candle = { symbol: 'ORD', interval: 'H1', openTime: new Date(openTime).toISOString(), closeTime: new Date(openTime + HOUR).toISOString(), open: '10', low: '9' };
    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    try {
      const publish = (payload: object) => bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.candle', 'market', $1)", [JSON.stringify(payload)]);
      await publish({ ...candle, high: '12', close: '11', volume: '50', revision: 4 });
      await publish({ ...candle, high: '13', close: '12', volume: '7', revision: 3 });
    } finally {
      await bus.end();
    }
    await platform.analysis!.runtime.catchUpEvents();
    const [stored] = await CandleStore.between(platform.analysis!.runtime.orm.em.fork(), 'ORD', 'H1', new Date(openTime), new Date(openTime + HOUR));
    expect(stored && [stored.high, stored.close, stored.volume]).toEqual([12, 11, 50]);
  });

  it('record an ON_CLOSE alert at the close exactly as market announced it, as the backtest gives it', async () => {
    const closeTime = Math.floor(Date.now() / 60_000) * 60_000;
    const openTime = closeTime - 60_000;
    // More digits than a float keeps: the alert had read the close back from the float the engine compares with.
    const close = '104612.1234567890123';
    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    const publish = async (type: string, payload: object) => {
      await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), $1, 'market', $2)", [type, JSON.stringify(payload)]);
      await platform.analysis!.runtime.catchUpEvents();
    };
    try {
      await publish('market.tick', { time: new Date(closeTime - 1_000).toISOString(), prices: [{ symbol: 'EXACT', price: close, source: 'test' }] });
      const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'exact close', symbols: ['EXACT'], interval: 'M1', indicators: [], condition: 'price > 1.0', trigger: 'ON_CLOSE' } }, user.accessToken);
      const id = created.data!.createStrategy.strategy.id;
      // The engine watches every enabled strategy, this one included (earlier tests' too, each in its own time).
      const enabled = async () => (await platform.analysis!.runtime.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM strategies WHERE enabled'))[0]!.n;
      await eventually(async () => platform.analysis!.engine.size === (await enabled()), 10_000);
      await publish('market.candle', { symbol: 'EXACT', interval: 'M1', openTime: new Date(openTime).toISOString(), closeTime: new Date(closeTime).toISOString(), open: '104000', high: '105000.5', low: '103000', close, volume: '12.5' });
      const alerts = async () => (await send(platform.gatewayUrl, AlertsDocument, { first: 100 }, user.accessToken)).data!.alerts.nodes.filter((alert) => alert.strategy.id === id);
      await eventually(async () => (await alerts()).length === 1, 10_000);
      const backtest = await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: new Date(openTime - 3_600_000).toISOString(), to: new Date(closeTime).toISOString() }, user.accessToken);
      expect({ alert: (await alerts())[0]!.price, backtest: backtest.data!.backtestStrategy.triggers.map((trigger) => trigger.price) }).toEqual({ alert: close, backtest: [close] });
    } finally {
      await bus.end();
    }
  });

  it('work the first candles’ 24-hour change out from closes before the range', async () => {
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'any change', symbols: ['ETH'], interval: 'H1', indicators: [], condition: 'change24h > -1000.0', trigger: 'ON_CLOSE' } }, user.accessToken);
    const id = created.data!.createStrategy.strategy.id;
    const from = FIRST_OPEN + 30 * HOUR;
    const backtest = await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: new Date(from).toISOString(), to: new Date(from + 10 * HOUR).toISOString() }, user.accessToken);
    const triggers = backtest.data!.backtestStrategy.triggers;
    expect(triggers.map((trigger) => trigger.time)).toEqual(Array.from({ length: 10 }, (_, hour) => new Date(from + (hour + 1) * HOUR).toISOString()));
    const close = (hour: number) => Number(CLOSES[hour]!.toFixed(4));
    expect((triggers[0]!.values as { change24h: number }).change24h).toBeCloseTo(((close(30) - close(6)) / close(6)) * 100, 9);
  });

  it('stop a backtest whose client went away, and drop that client’s backtests still waiting', async () => {
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'left', symbols: ['ETH'], interval: 'H1', indicators: [], condition: 'price > 1.0', trigger: 'ON_CLOSE' } }, user.accessToken);
    const range = { id: created.data!.createStrategy.strategy.id, from: new Date(FIRST_OPEN + 30 * HOUR).toISOString(), to: new Date(FIRST_OPEN + 120 * HOUR).toISOString() };
    const answered = (await send(platform.gatewayUrl, BacktestStrategyDocument, range, user.accessToken)).data!.backtestStrategy;
    expect(answered.summary.count).toBe(90);
    /**
     * What the gateway answered a leaving client before it hung up, if anything: its backtest should still be
     * held at the lock, so an answer means it never reached its turn (refused, failed on the way), and the
     * test says so at once, with the answer, instead of waiting for a pending count that will not come.
     */
    const answeredEarly: string[] = [];
    /** A client that sends the backtest to the gateway, then hangs up (the returned function) before the answer. */
    const leavingClient = () => {
      const request = http.request(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` } });
      request.on('error', () => undefined);
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => answeredEarly.push(`${response.statusCode} ${body.slice(0, 1000)}`));
      });
      request.end(JSON.stringify({ query: print(BacktestStrategyDocument), variables: range }));
      return () => request.destroy();
    };
    const pending = async () => {
      if (answeredEarly.length) throw new Error(`a leaving client was answered while its backtest should wait at the lock: ${answeredEarly.join('; ')}`);
      return platform.analysis!.backtester.pending(user.accountId);
    };
    // The store holds every backtest at its check until the test lets it go: the first holds the account's turn, the others wait for it.
    const lock = new pg.Client({ connectionString: platform.analysis!.runtime.config.databaseUrl });
    await lock.connect();
    const checks = () => checksWaiting(lock);
    let staying: Promise<{ data?: { backtestStrategy: unknown } | null }> | undefined;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE candles IN ACCESS EXCLUSIVE MODE');
      const hangUpRunning = leavingClient();
      await eventually(async () => (await pending()) === 1);
      const hangUpWaiting = leavingClient();
      await eventually(async () => (await pending()) === 2);
      staying = send(platform.gatewayUrl, BacktestStrategyDocument, range, user.accessToken);
      await eventually(async () => (await pending()) === 3);
      await eventually(async () => (await checks()) === 3);
      // A waiting backtest whose client left is dropped from the line at once, its check's query cancelled...
      hangUpWaiting();
      await eventually(async () => (await pending()) === 2);
      await eventually(async () => (await checks()) === 2);
      // ...and a running one gives the account's turn up, to the backtest whose client stayed, its query cancelled too.
      hangUpRunning();
      await eventually(async () => (await pending()) === 1);
      await eventually(async () => (await checks()) === 1);
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    // The client that stayed gets the same answer as ever.
    expect((await staying!).data?.backtestStrategy).toEqual(answered);
    await eventually(async () => (await pending()) === 0);
    // The gateway counts the two reads it gave up as abandoned, not as an outage of analysis.
    const samples = parsePrometheusText(await (await fetch(platform.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text());
    const fetches = (outcome: string) => sampleValue(samples, 'herck_subgraph_fetch_duration_seconds_count', { subgraph: 'analysis', outcome }) ?? 0;
    expect({ abandoned: fetches('abandoned'), failed: fetches('failed') }).toEqual({ abandoned: 2, failed: 0 });
    // Nor do the gateway and analysis count those two backtests as operations that failed: their clients went away.
    const analysis = parsePrometheusText(await (await fetch(platform.analysis!.url.replace(/\/graphql$/, '/metrics'))).text());
    const backtests = (scrape: MetricSample[], outcome: string) =>
      findSamples(scrape, 'herck_graphql_operations_total', { outcome })
        .filter((sample) => sample.labels.operation!.startsWith('BacktestStrategy'))
        .reduce((sum, sample) => sum + sample.value, 0);
    for (const scrape of [samples, analysis]) expect({ abandoned: backtests(scrape, 'abandoned'), error: backtests(scrape, 'error') }).toEqual({ abandoned: 2, error: 0 });
  });

  it('stop a backtest asked over the socket when the client completes it or the socket closes', async () => {
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'left over ws', symbols: ['ETH'], interval: 'H1', indicators: [], condition: 'price > 1.0', trigger: 'ON_CLOSE' } }, user.accessToken);
    const range = { id: created.data!.createStrategy.strategy.id, from: new Date(FIRST_OPEN + 30 * HOUR).toISOString(), to: new Date(FIRST_OPEN + 120 * HOUR).toISOString() };
    const pending = async () => platform.analysis!.backtester.pending(user.accountId);
    const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    const ask = () => client.subscribe({ query: print(BacktestStrategyDocument), variables: range }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    const lock = new pg.Client({ connectionString: platform.analysis!.runtime.config.databaseUrl });
    await lock.connect();
    const checks = () => checksWaiting(lock);
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE candles IN ACCESS EXCLUSIVE MODE');
      ask();
      await eventually(async () => (await pending()) === 1);
      const completeWaiting = ask();
      await eventually(async () => (await pending()) === 2);
      await eventually(async () => (await checks()) === 2);
      // `complete` for the waiting one drops it and cancels its check's query (the socket stays open for the running one)...
      completeWaiting();
      await eventually(async () => (await pending()) === 1);
      await eventually(async () => (await checks()) === 1);
      // ...and the socket closing stops the running one, its query with it: nothing of analysis's waits on the lock.
      await client.dispose();
      await eventually(async () => (await pending()) === 0);
      await eventually(async () => (await checks()) === 0);
    } finally {
      await lock.query('COMMIT');
      await lock.end();
      await client.dispose();
    }
  });

  it('reach back 90 days for users, and refuse what is not theirs or not a range', async () => {
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { name: 'x', symbols: ['ETH'], indicators: [], condition: 'price > 1.0' } }, user.accessToken);
    const id = created.data!.createStrategy.strategy.id;
    const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
    // A rule of the role (an analyst may), so FORBIDDEN.
    expect(codes(await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: old, to: new Date().toISOString() }, user.accessToken))).toEqual(['FORBIDDEN']);
    const now = new Date().toISOString();
    expect(codes(await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: now, to: now }, user.accessToken))).toEqual(['BAD_USER_INPUT']);
    const stranger = await signUp(platform);
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    expect(codes(await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: recent, to: now }, stranger.accessToken))).toEqual(['NOT_FOUND']);
  });
});
