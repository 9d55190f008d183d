import { CandleInterval } from '@herck/common';
import { ClosedCandle } from '../src/modules/candle/closed-candle';
import { EvaluationPool } from '../src/modules/evaluation/evaluation-pool';
import { Evaluator } from '../src/modules/evaluation/evaluator';
import { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import { StrategyEngine } from '../src/modules/evaluation/strategy-engine';
import { IndicatorKind } from '../src/modules/indicator/indicator-kind';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';

const MINUTE = 60_000;
// The workers evaluate a close only if it is recent by their own clock: the path starts at this minute.
const START = Math.floor(Date.now() / MINUTE) * MINUTE;
const SYMBOLS = ['BTC', 'ETH', 'SOL'];

/** The store: 200 closed minutes before the start; a loader gets the latest `count`. */
function history(symbol: string, interval: CandleInterval, count: number): ClosedCandle[] {
  const stored = Array.from({ length: 200 }, (_, index) => {
    const close = 100 + 10 * Math.sin(index / 5 + symbol.length);
    return { symbol, interval, openTime: new Date(START - (200 - index) * MINUTE), open: close, high: close + 1, low: close - 1, close, volume: 5 };
  });
  return count > 0 ? stored.slice(-count) : [];
}

const strategies: StrategyDefinition[] = Array.from({ length: 40 }, (_, index) => ({
  id: `a0000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  ownerId: 'b0000000-0000-4000-8000-000000000001',
  name: `s${index}`,
  symbols: [SYMBOLS[index % 3]!, ...(index % 4 === 0 ? [SYMBOLS[(index + 1) % 3]!] : [])],
  interval: 'M1',
  indicators: [
    { name: 'sma', kind: IndicatorKind.SMA, period: 3 + (index % 5) },
    { name: 'rsi', kind: IndicatorKind.RSI, period: 5 },
  ],
  condition: index % 2 ? `price > sma * ${(1 + (index % 7) / 100).toFixed(2)}` : `rsi > ${40 + (index % 20)}.0`,
  trigger: index % 3 === 0 ? TriggerMode.ON_CLOSE : TriggerMode.ON_CROSS,
  cooldownSeconds: (index % 4) * 30,
  generation: 0,
}));

/** Runs a scripted price path through an evaluator and lists what fired, in a stable order. */
async function firings(evaluator: Evaluator): Promise<string[]> {
  for (const strategy of strategies) await evaluator.watch(strategy);
  const fired: string[] = [];
  for (let second = 0; second < 600; second += 10) {
    const time = new Date(START + second * 1000);
    for (const [index, symbol] of SYMBOLS.entries()) {
      const price = 100 + 12 * Math.sin(second / 40 + index) + 3 * Math.cos(second / 7);
      if (second % 60 === 0 && second > 0) {
        const openTime = new Date(START + (second - 60) * 1000);
        const closed = await evaluator.onCandleClosed({ symbol, interval: 'M1', openTime, open: price, high: price + 1, low: price - 1, close: price, volume: 7 });
        fired.push(...closed.firings.map((firing) => `${firing.strategy.id} ${firing.symbol} ${firing.at.toISOString()}`));
      }
      const outcome = await evaluator.onTick(symbol, time, price, 0);
      fired.push(...outcome.firings.map((firing) => `${firing.strategy.id} ${firing.symbol} ${firing.at.toISOString()} ${firing.price}`));
    }
  }
  return fired.sort();
}

describe('evaluation worker pool', () => {
  it('fires exactly what one engine fires on the same path', async () => {
    const single = await firings(new StrategyEngine(async (symbol, interval, count) => history(symbol, interval, count), () => START));
    const pool = new EvaluationPool(3, async (symbol, interval, count) => history(symbol, interval, count));
    try {
      const spread = await firings(pool);
      expect(single.length).toBeGreaterThan(20);
      expect(spread).toEqual(single);
      expect(pool.size).toBe(strategies.length);
    } finally {
      await pool.stop();
    }
  });

  it('forgets a ONCE strategy that fired, as one engine does: switched back on, it is watched anew and fires again', async () => {
    const once: StrategyDefinition = { ...strategies[1]!, id: 'c0000000-0000-4000-8000-000000000001', symbols: ['BTC'], indicators: [], condition: 'price > 100.0', trigger: TriggerMode.ONCE, cooldownSeconds: 0 };
    const run = async (evaluator: Evaluator) => {
      const fired: number[] = [];
      const tick = async (second: number, price: number) => fired.push(...(await evaluator.onTick('BTC', new Date(START + second * 1000), price, 0)).firings.map(() => second));
      await evaluator.watch(once);
      await tick(1, 50);
      await tick(2, 150);
      // What EngineLoader.reload does when the strategy is switched back on.
      if (evaluator.evaluatesAlike(once)) evaluator.redefine(once);
      else await evaluator.watch(once);
      await tick(3, 50);
      await tick(4, 150);
      return { fired, size: evaluator.size };
    };
    const single = await run(new StrategyEngine(async (symbol, interval, count) => history(symbol, interval, count), () => START));
    const pool = new EvaluationPool(2, async (symbol, interval, count) => history(symbol, interval, count));
    try {
      expect(single).toEqual({ fired: [2, 4], size: 0 });
      expect(await run(pool)).toEqual(single);
    } finally {
      await pool.stop();
    }
  });
});

describe('a worker thread that goes', () => {
  const above100: StrategyDefinition = { ...strategies[1]!, id: 'a0000000-0000-4000-8000-00000000ffff', symbols: ['BTC'], indicators: [], condition: 'price > 100.0', trigger: TriggerMode.ON_CROSS, cooldownSeconds: 0 };
  /** The pool's worker thread, ended by a message its handler cannot read (an uncaught exception in the thread). */
  const killWorker = async (pool: EvaluationPool) => {
    const thread = (pool as unknown as { workers: { worker: import('node:worker_threads').Worker | null }[] }).workers[0]!.worker!;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    thread.postMessage(null);
    await exited;
  };

  it('fails what waited on it and says so; the next request starts another thread, which evaluates what is watched again', async () => {
    let lost = 0;
    // The first history read never comes: the watch asking for it waits on the thread when it goes.
    let reads = 0;
    const pool = new EvaluationPool(1, () => (reads++ === 0 ? new Promise(() => undefined) : Promise.resolve([])), () => (lost += 1));
    try {
      const waiting = pool.watch({ ...above100, id: 'a0000000-0000-4000-8000-00000000fffe', indicators: [{ name: 'sma', kind: IndicatorKind.SMA, period: 3 }], condition: 'price > sma' });
      const outcome = waiting.then(() => 'answered', (error: Error) => `failed: ${error.message}`);
      await killWorker(pool);
      expect(await outcome).toMatch(/^failed: /);
      expect(lost).toBe(1);
      // Watched again (as EngineLoader does once told): a fresh thread evaluates it.
      await pool.watch(above100);
      expect((await pool.onTick('BTC', new Date(START), 101, 0)).firings.map((firing) => firing.strategy.id)).toEqual([above100.id]);
    } finally {
      await pool.stop();
    }
  });

  it('leaves no request it was sent without waiting for an answer unhandled', async () => {
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', note);
    const pool = new EvaluationPool(1, async () => []);
    try {
      await pool.watch(above100);
      const thread = (pool as unknown as { workers: { worker: import('node:worker_threads').Worker | null }[] }).workers[0]!.worker!;
      const exited = new Promise((resolve) => thread.once('exit', resolve));
      thread.postMessage(null);
      pool.unwatch(above100.id);
      await exited;
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
      await pool.stop();
    }
  });

  it('fails a request under way when the pool stops', async () => {
    const pool = new EvaluationPool(1, () => new Promise(() => undefined));
    // The worker asks for history, which never comes.
    const waiting = pool.watch({ ...above100, indicators: [{ name: 'sma', kind: IndicatorKind.SMA, period: 3 }], condition: 'price > sma' });
    const outcome = waiting.then(() => 'answered', (error: Error) => `failed: ${error.message}`);
    await pool.stop();
    expect(await outcome).toBe('failed: The evaluation worker stopped');
  });
});
