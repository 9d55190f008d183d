import { Worker } from 'node:worker_threads';
import Decimal from 'decimal.js';
import { compiledWorkerFile, eventLoopTurnsDuring, until } from '@herck/common';
import { ClosedCandle } from '../src/modules/candle/closed-candle';
import { StoredTick } from '../src/modules/candle/tick-store';
import { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import { IndicatorKind } from '../src/modules/indicator/indicator-kind';
import { Backtest } from '../src/modules/backtest/backtest.type';
import { REPLAY_STOPPED, replayBacktest } from '../src/modules/backtest/backtest-replay';
import { backtestOfWire } from '../src/modules/backtest/backtester';
import { FromReplayThread } from '../src/modules/backtest/replay-messages';
import { ReplayThread } from '../src/modules/backtest/replay-thread';
import { BACKTEST_BATCH } from '../src/modules/backtest/series-reader';
import { SeriesRequest } from '../src/modules/backtest/series-request';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';

// The replay itself is checked against live evaluation in analysis-backtest.e2e.test.ts, and the
// pages as PostgreSQL writes them in backtest-threads.test.ts; here, that a thread replays what
// the caller's thread would, and leaves the caller's thread free meanwhile.

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 1);
const SYMBOLS = ['BTC', 'ETH'];

/** Minute candles and a tick every 5 s for each symbol: a path of rises and falls, with some 24-hour changes missing. */
function market(minutes: number) {
  const candles: ClosedCandle[] = [];
  const ticks: StoredTick[] = [];
  for (const [index, symbol] of SYMBOLS.entries()) {
    const priceAt = (step: number) => (1000 * (index + 1) + 50 * Math.sin(step / 300) + 5 * Math.sin(step / 7)).toFixed(4);
    for (let minute = 0; minute < minutes; minute++) {
      const prices = Array.from({ length: 12 }, (_, second) => priceAt(minute * 12 + second));
      prices.forEach((price, second) => ticks.push({ symbol, time: new Date(START + minute * MINUTE + second * 5_000), price, change24h: second === 3 ? null : '0.5' }));
      const numbers = prices.map(Number);
      const close = prices.at(-1)!;
      candles.push({ symbol, interval: 'M1', openTime: new Date(START + minute * MINUTE), open: numbers[0]!, high: Math.max(...numbers), low: Math.min(...numbers), close: Number(close), volume: 1 + (minute % 5), exactClose: close, change24h: minute % 9 ? 0.25 : null });
    }
  }
  return { candles, ticks };
}

/** The store, answered from memory: no read waits for anything but promises. */
function readerOf({ candles, ticks }: ReturnType<typeof market>, from: Date, to: Date) {
  const inRange = <T>(rows: T[], timeOf: (row: T) => Date, symbol: string, request: SeriesRequest) => rows.filter((row) => (row as { symbol: string }).symbol === symbol && timeOf(row) >= from && timeOf(row) < to && (!('page' in request) || !request.page.after || timeOf(row) > request.page.after));
  return async (request: SeriesRequest): Promise<unknown[]> => {
    const mine = candles.filter((candle) => candle.symbol === request.symbol);
    switch (request.read) {
      case 'warmUp':
        return request.count > 0 ? mine.filter((candle) => candle.openTime < from).slice(-request.count) : [];
      case 'dayBefore':
        return mine.filter((candle) => candle.openTime >= new Date(from.getTime() - 1440 * MINUTE) && candle.openTime < from);
      case 'periodSoFar':
        // The M1 period `from` falls in, up to `from` (none when it starts one).
        return ticks.filter((tick) => tick.symbol === request.symbol && tick.time.getTime() >= Math.floor(from.getTime() / MINUTE) * MINUTE && tick.time < from);
      case 'candles':
        return inRange(candles, (candle) => candle.openTime, request.symbol, request).slice(0, request.page.limit);
      case 'ticks':
        return inRange(ticks, (tick) => tick.time, request.symbol, request).slice(0, request.page.limit);
    }
  };
}

const strategy = (trigger: TriggerMode, condition: string): StrategyDefinition => ({
  id: `s-${trigger}`,
  ownerId: 'o',
  name: trigger,
  symbols: SYMBOLS,
  interval: 'M1',
  indicators: [
    { name: 'sma', kind: IndicatorKind.SMA, period: 20 },
    { name: 'macd', kind: IndicatorKind.MACD, period: 26, fastPeriod: 12, signalPeriod: 9 },
    { name: 'bb', kind: IndicatorKind.BBANDS, period: 20, deviation: 2 },
  ],
  condition,
  trigger,
  cooldownSeconds: 60,
  generation: 0,
});

/** Every Decimal as its digits and every Date as its time, so two answers compare exactly. */
const digits = (backtest: Backtest): unknown => JSON.parse(JSON.stringify(backtest, (_, item: unknown) => (Decimal.isDecimal(item) ? `D:${(item as Decimal).toFixed()}` : item)));

const thread = new ReplayThread();
afterAll(() => thread.stop());
const onThread = async (definition: StrategyDefinition, read: (request: SeriesRequest) => Promise<unknown[]>) => backtestOfWire(await thread.replay(definition, read));

describe('backtests on a thread of their own', () => {
  // Long enough that pages of ticks and candles end at different times (BACKTEST_BATCH rows each).
  const data = market(2_000);
  const from = new Date(START + 200 * MINUTE);
  const to = new Date(START + 1_900 * MINUTE);
  const read = readerOf(data, from, to);

  it('replay exactly what the calling thread replays, prices as exact Decimals', async () => {
    for (const definition of [
      strategy(TriggerMode.ON_CROSS, 'price > sma && macd.histogram > 0.0'),
      strategy(TriggerMode.ON_CLOSE, 'price < bb.lower || change24h > 0.3'),
      strategy(TriggerMode.ONCE, 'price > bb.upper'),
    ]) {
      const [here, there] = await Promise.all([replayBacktest(definition, read), onThread(definition, read)]);
      expect(here.summary.count).toBeGreaterThan(0);
      expect(digits(there)).toEqual(digits(here));
      expect(there.triggers.every((trigger) => Decimal.isDecimal(trigger.price) && trigger.time instanceof Date)).toBe(true);
    }
  });

  it('leave the calling thread free while a long backtest replays', async () => {
    const definition = strategy(TriggerMode.ON_CROSS, 'price > sma && macd.histogram > 0.0');
    // On the caller's thread the replay holds it from start to end (its reads here wait for nothing): not one turn.
    expect(await eventLoopTurnsDuring(() => replayBacktest(definition, read))).toBe(0);
    expect(await eventLoopTurnsDuring(() => onThread(definition, read))).toBeGreaterThan(20);
  });

  it('fail with the store’s own error when a read fails, and replay the next one', async () => {
    const definition = strategy(TriggerMode.ON_CROSS, 'price > sma');
    const unavailable = Object.assign(new Error('The store is unavailable'), { extensions: { code: 'SERVICE_UNAVAILABLE' } });
    const failing = async (request: SeriesRequest) => {
      if (request.read === 'ticks' && request.page.after) throw unavailable;
      return read(request);
    };
    await expect(onThread(definition, failing)).rejects.toBe(unavailable);
    expect(digits(await onThread(definition, read))).toEqual(digits(await replayBacktest(definition, read)));
  });

  it('stop a replay whose caller went away: the thread ends it, and replays the next one', async () => {
    const definition = strategy(TriggerMode.ON_CROSS, 'price > sma');
    let release!: () => void;
    const store = new Promise<void>((resolve) => (release = resolve));
    let waitingForStore = false;
    // The store holds the replay's second page of ticks until the test lets it go: the replay is under way, mid-range.
    const slow = async (request: SeriesRequest) => {
      if (request.read === 'ticks' && request.page.after) {
        waitingForStore = true;
        await store;
      }
      return read(request);
    };
    const caller = new AbortController();
    const gone = new Error('the client went away');
    let outcome: unknown = 'under way';
    void thread.replay(definition, slow, caller.signal).catch((error: unknown) => (outcome = error));
    await until(() => waitingForStore);
    expect(thread.underWay).toBe(1);
    caller.abort(gone);
    await until(() => outcome === gone);
    // The thread ends the replay itself (the read it waits for fails there), the store's answer still to come.
    await until(() => thread.underWay === 0);
    release();
    expect(digits(await onThread(definition, read))).toEqual(digits(await replayBacktest(definition, read)));
  });

  it('stop at the row where the replay is told to, not at the end of its page', async () => {
    const definition = strategy(TriggerMode.ON_CROSS, 'price > sma');
    const asked: SeriesRequest[] = [];
    let rows = 0;
    const stopped = () => ++rows > 100;
    await expect(replayBacktest(definition, async (request) => (asked.push(request), read(request)), stopped)).rejects.toThrow(REPLAY_STOPPED);
    expect(rows).toBe(101);
    // Within BTC's first page (its second, read ahead, never replayed), and nothing of ETH.
    expect(asked.filter((request) => request.symbol === 'ETH')).toEqual([]);
  });

  it('stop a replay once its caller went away: the thread replays nothing of a page that comes after, and asks for no more', async () => {
    const base = strategy(TriggerMode.ON_CROSS, 'price > sma && macd.histogram > 0.0 && rsi < 70.0 && stoch.k > 20.0');
    const extra = [
      { name: 'wma', kind: IndicatorKind.WMA, period: 20 },
      { name: 'rsi', kind: IndicatorKind.RSI, period: 14 },
      { name: 'atr', kind: IndicatorKind.ATR, period: 14 },
      { name: 'stoch', kind: IndicatorKind.STOCH, period: 14, signalPeriod: 3 },
    ];
    const definition = { ...base, indicators: [...base.indicators, ...extra] };
    const caller = new AbortController();
    // The caller leaves as the thread asks for BTC's last page of ticks, before that page is answered: whatever
    // the thread was doing then (replaying the page before, or waiting), it must replay nothing of the page it is
    // then given and ask for nothing more (not ETH). Deterministic: no race with the thread's pace.
    const leaving = async (request: SeriesRequest) => {
      const rows = await read(request);
      if (request.read === 'ticks' && request.symbol === 'BTC' && request.page.after && rows.length < BACKTEST_BATCH) caller.abort(new Error('the client went away'));
      return rows;
    };
    /** What the thread asked for once the caller had left (the service's thread answers none of it). */
    const askedAfterLeaving: SeriesRequest[] = [];
    const threadMessages = thread as unknown as { received(message: FromReplayThread): void };
    const received = threadMessages.received.bind(thread);
    const spy = jest.spyOn(threadMessages, 'received').mockImplementation((message) => {
      if (caller.signal.aborted && message.kind === 'read') askedAfterLeaving.push(message.request);
      received(message);
    });
    try {
      void thread.replay(definition, leaving, caller.signal).catch(() => undefined);
      await until(() => caller.signal.aborted);
      await until(() => thread.underWay === 0);
      // It stopped within the page it was replaying: it never went on to BTC's last page, nor to ETH.
      expect(askedAfterLeaving).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('start a new thread for the next backtest once one has stopped', async () => {
    await thread.stop();
    const definition = strategy(TriggerMode.ONCE, 'price > bb.upper');
    expect((await onThread(definition, read)).summary.count).toBe(1);
  });

  it('load only light modules on the thread (not common’s index: more than a second and 30 MB a thread)', async () => {
    const thread = compiledWorkerFile(require.resolve('../src/modules/backtest/replay-thread'), 'backtest-thread');
    const probe = new Worker(`require(${JSON.stringify(thread)}); require('node:worker_threads').parentPort.postMessage(Object.keys(require.cache));`, { eval: true });
    const loaded = await new Promise<string[]>((resolve) => probe.once('message', resolve));
    await probe.terminate();
    expect(loaded.some((file) => file.endsWith('backtest-replay.js'))).toBe(true);
    expect(loaded.filter((file) => /common[/\\]dist[/\\]src[/\\]index\.js$|@mikro-orm/.test(file))).toEqual([]);
  });
});
