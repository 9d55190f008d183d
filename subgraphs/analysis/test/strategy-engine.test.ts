import { CandleInterval } from '@herck/common';
import { ClosedCandle } from '../src/modules/candle/closed-candle';
import { CandleSeries } from '../src/modules/evaluation/candle-series';
import { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import { EvaluationOutcome, StrategyEngine } from '../src/modules/evaluation/strategy-engine';
import { IndicatorKind } from '../src/modules/indicator/indicator-kind';
import { IndicatorSpec } from '../src/modules/indicator/indicator-spec';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 23, 12, 0, 0);

function closed(minute: number, close: number): ClosedCandle {
  return { symbol: 'BTC', interval: 'M1', openTime: new Date(START + minute * MINUTE), open: close, high: close, low: close, close, volume: 1 };
}

function strategy(overrides: Partial<StrategyDefinition> = {}): StrategyDefinition {
  return {
    id: 'a0000000-0000-4000-8000-000000000001',
    ownerId: 'b0000000-0000-4000-8000-000000000001',
    name: 'breakout',
    symbols: ['BTC'],
    interval: 'M1',
    indicators: [{ name: 'sma3', kind: IndicatorKind.SMA, period: 3 }],
    condition: 'price > sma3 * 1.1',
    trigger: TriggerMode.ON_CROSS,
    cooldownSeconds: 0,
    generation: 0,
    ...overrides,
  };
}

/** An engine whose store holds these closed candles (three flat minutes at 100 by default). */
async function engineWith(definition: StrategyDefinition, history: ClosedCandle[] = [closed(0, 100), closed(1, 100), closed(2, 100)], now = () => START + 10 * MINUTE) {
  const engine = new StrategyEngine(async (_symbol: string, _interval: CandleInterval, count: number) => history.slice(-count), now);
  await engine.watch(definition);
  return engine;
}

const tick = (engine: StrategyEngine, second: number, price: number): EvaluationOutcome => engine.onTick('BTC', new Date(START + 3 * MINUTE + second * 1000), price, 0);

describe('strategy engine on a scripted price path', () => {
  it('fires exactly when the condition turns true, not while it stays true', () => {
    return engineWith(strategy()).then((engine) => {
      // The live candle counts: sma3 = (100 + 100 + price) / 3, so price > 1.1 · sma3 from 115.8 on.
      const path = [100, 105, 115, 117, 125, 119, 100, 120];
      const fired = path.map((price, second) => tick(engine, second, price).firings.length);
      expect(fired).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    });
  });

  it('keeps to the cooldown per symbol', async () => {
    const engine = await engineWith(strategy({ cooldownSeconds: 5 }));
    const fired = [100, 120, 100, 120, 100, 100, 100, 120].map((price, second) => tick(engine, second, price).firings.length);
    // Crossings at seconds 1, 3 and 7: the one at 3 falls inside the 5 s cooldown.
    expect(fired).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('fires again once exactly the cooldown has passed: it covers the seconds before, not the last one', async () => {
    const engine = await engineWith(strategy({ cooldownSeconds: 5 }));
    const fired = [100, 120, 100, 100, 100, 100, 120].map((price, second) => tick(engine, second, price).firings.length);
    // Crossings at seconds 1 and 6, exactly the 5 s cooldown apart: the second one is outside it.
    expect(fired).toEqual([0, 1, 0, 0, 0, 0, 1]);
  });

  it('reads the last closed candle\'s volume from the first tick, with no indicator to warm up', async () => {
    const history = [closed(0, 100), { ...closed(1, 100), volume: 42.5 }];
    // As the store answers: `count` candles, none for none.
    const engine = new StrategyEngine(async (_symbol, _interval, count) => (count ? history.slice(-count) : []), () => START + 10 * MINUTE);
    await engine.watch(strategy({ indicators: [], condition: 'volume > 40.0' }));
    const [firing] = tick(engine, 0, 100).firings;
    expect(firing?.values).toEqual(expect.objectContaining({ volume: 42.5 }));
  });

  it('does not evaluate its condition before its indicators are warm: no firing, no state, no error', async () => {
    // Evaluated over the missing value, the condition fails ("sma3 ... got 'null'"): a cold indicator is no failure to report.
    const engine = await engineWith(strategy(), [closed(1, 100)]);
    expect(tick(engine, 0, 200)).toMatchObject({ firings: [], states: [], errors: [] });
    expect(tick(engine, 1, 300)).toMatchObject({ firings: [], states: [], errors: [] });
  });

  it('reports the values the condition saw', async () => {
    const engine = await engineWith(strategy());
    const [firing] = tick(engine, 0, 130).firings;
    expect(firing).toMatchObject({ symbol: 'BTC', price: 130, values: { price: 130, sma3: 110, volume: 1 } });
  });

  it('ONCE stops after the first firing', async () => {
    const engine = await engineWith(strategy({ trigger: TriggerMode.ONCE }));
    const fired = [130, 100, 130].map((price, second) => tick(engine, second, price).firings.length);
    expect(fired).toEqual([1, 0, 0]);
  });

  it('ON_CLOSE fires at recent closes where the condition holds, never on ticks or old candles', async () => {
    let now = START + 5 * MINUTE;
    const engine = await engineWith(strategy({ trigger: TriggerMode.ON_CLOSE }), undefined, () => now);
    expect(tick(engine, 0, 130).firings).toEqual([]);
    const atClose = engine.onCandleClosed(closed(3, 130));
    expect(atClose.firings.map((firing) => firing.at.getTime())).toEqual([START + 4 * MINUTE]);
    now = START + 60 * MINUTE;
    expect(engine.onCandleClosed(closed(4, 200)).firings).toEqual([]);
  });

  it('a renamed strategy keeps its state; one whose condition changed starts afresh', async () => {
    const engine = await engineWith(strategy());
    expect(tick(engine, 0, 130).firings).toHaveLength(1);
    expect(engine.evaluatesAlike(strategy({ name: 'renamed' }))).toBe(true);
    engine.redefine(strategy({ name: 'renamed' }));
    expect(tick(engine, 1, 131).firings).toEqual([]);
    expect(engine.evaluatesAlike(strategy({ condition: 'price > sma3 * 1.2' }))).toBe(false);
  });

  it('a failing condition is reported once and other strategies go on', async () => {
    const engine = await engineWith(strategy());
    await engine.watch(strategy({ id: 'a0000000-0000-4000-8000-000000000002', condition: 'price / 0.0 > 1.0 && [1.0][3] > 0.0' }));
    const outcome = tick(engine, 0, 130);
    expect(outcome.firings.map((firing) => firing.strategy.id)).toEqual(['a0000000-0000-4000-8000-000000000001']);
    expect(outcome.errors).toEqual([{ strategyId: 'a0000000-0000-4000-8000-000000000002', message: expect.any(String), signal: expect.any(String) }]);
    expect(tick(engine, 1, 131).errors).toEqual([]);
  });

  it('reports a condition failing for one symbol once, though it holds for another every round', async () => {
    // int(price) - 10 is zero at 10: an integer division by zero for BTC, none for ETH at 20.
    const engine = await engineWith(strategy({ symbols: ['BTC', 'ETH'], indicators: [], condition: 'int(price) / (int(price) - 10) >= 0' }));
    const reported = [0, 1, 2, 3].flatMap((round) => {
      const at = new Date(START + 3 * MINUTE + round * 1000);
      return [...engine.onTick('BTC', at, 10, 0).errors, ...engine.onTick('ETH', at, 20, 0).errors];
    });
    expect(reported).toHaveLength(1);
  });

  it('clears its error once the condition evaluates again for every symbol it failed for', async () => {
    // int(price) / (int(price) - 10): a division by zero at 10, a number elsewhere.
    const engine = await engineWith(strategy({ symbols: ['BTC', 'ETH'], indicators: [], condition: 'int(price) / (int(price) - 10) >= 0' }));
    const round = (second: number, btc: number, eth: number) => {
      const at = new Date(START + 3 * MINUTE + second * 1000);
      return [engine.onTick('BTC', at, btc, 0), engine.onTick('ETH', at, eth, 0)];
    };
    const recovered = (outcomes: EvaluationOutcome[]) => outcomes.flatMap((outcome) => outcome.recovered.map((recovery) => recovery.strategyId));
    expect(recovered(round(0, 20, 20))).toEqual([]);
    const failing = round(1, 10, 10);
    expect(failing.flatMap((outcome) => outcome.errors)).toHaveLength(2);
    // BTC evaluates again while ETH still fails: the error stands.
    expect(recovered(round(2, 20, 10))).toEqual([]);
    expect(recovered(round(3, 20, 20))).toEqual([strategy().id]);
    // Cleared once: later rounds have nothing to clear.
    expect(recovered(round(4, 20, 20))).toEqual([]);
  });

  it('clears an error it had only for a symbol market stopped following, which never evaluates again to clear it', async () => {
    const engine = await engineWith(strategy({ symbols: ['BTC', 'ETH'], indicators: [], condition: 'int(price) / (int(price) - 10) >= 0' }));
    const at = new Date(START + 3 * MINUTE);
    expect(engine.onTick('ETH', at, 10, 0).errors).toHaveLength(1);
    expect(engine.onTick('BTC', at, 20, 0).recovered).toEqual([]);
    // BTC, which evaluates, is no untracking of the failing one; ETH's is.
    expect(engine.onSymbolUntracked('BTC').recovered).toEqual([]);
    expect(engine.onSymbolUntracked('ETH').recovered.map((recovery) => recovery.strategyId)).toEqual([strategy().id]);
    // Nothing left to clear.
    expect(engine.onSymbolUntracked('ETH').recovered).toEqual([]);
  });

  it('clears an error the store held when it was watched at its first evaluation that fails for no symbol', async () => {
    const engine = new StrategyEngine(async () => [], () => START + 10 * MINUTE);
    await engine.watch(strategy({ indicators: [], condition: 'price > 0.0' }), new Map(), true);
    expect(tick(engine, 0, 100).recovered.map((recovery) => recovery.strategyId)).toEqual([strategy().id]);
    expect(tick(engine, 1, 101).recovered).toEqual([]);
  });

  it('ignores a redelivered or older tick', async () => {
    const engine = await engineWith(strategy());
    expect(tick(engine, 0, 130).firings).toHaveLength(1);
    // The same event again (at-least-once delivery) changes nothing.
    expect(tick(engine, 0, 130)).toEqual({ firings: [], states: [], errors: [], recovered: [] });
    // A tick of an older period than the series holds changes nothing.
    expect(engine.onTick('BTC', new Date(START + MINUTE), 500, 0)).toEqual({ firings: [], states: [], errors: [], recovered: [] });
  });

  it('does not let a round delivered again after later ones set the live candle back', async () => {
    const engine = await engineWith(strategy());
    expect([tick(engine, 0, 100), tick(engine, 10, 130), tick(engine, 20, 100)].map((outcome) => outcome.firings.length)).toEqual([0, 1, 0]);
    // The 130 of second 10 again, after the 100 of second 20: nothing changes, not even what holds…
    expect(tick(engine, 10, 130)).toEqual({ firings: [], states: [], errors: [], recovered: [] });
    // …so the next real crossing fires.
    expect(tick(engine, 30, 130).firings).toHaveLength(1);
  });
  it('keeps no trace of a strategy changed or dropped while it was still being warmed up', async () => {
    // The store answers only when told: a strategy's watch is still loading its first symbol's history.
    const pending: (() => void)[] = [];
    const history = [closed(0, 100), closed(1, 100), closed(2, 100)];
    const engine = new StrategyEngine(
      (symbol, interval, count) => new Promise((resolve) => pending.push(() => resolve(history.slice(-count).map((candle) => ({ ...candle, symbol, interval }))))),
      () => START + 10 * MINUTE,
    );
    const release = async () => {
      while (pending.length) {
        pending.shift()!();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const old = strategy({ symbols: ['BTC', 'ETH'], condition: 'price > sma3' });
    // An edit is read (a new condition), then another while the first is still warming up.
    const first = engine.watch(old);
    await new Promise((resolve) => setImmediate(resolve));
    const second = engine.watch({ ...old, condition: 'price > sma3 * 2.0' });
    await release();
    await Promise.all([first, second]);
    const at = new Date(START + 3 * MINUTE);
    // 130 > sma3 (110) but not twice it: only the old condition would fire.
    expect([...engine.onTick('BTC', at, 130, 0).firings, ...engine.onTick('ETH', at, 130, 0).firings]).toEqual([]);

    // Switched off (or deleted) while its watch was still loading: nothing of it is evaluated.
    const third = engine.watch({ ...old, indicators: [{ name: 'sma3', kind: IndicatorKind.SMA, period: 2 }] });
    await new Promise((resolve) => setImmediate(resolve));
    engine.unwatch(old.id);
    await release();
    await third;
    const later = new Date(START + 3 * MINUTE + 1000);
    expect([...engine.onTick('BTC', later, 500, 0).firings, ...engine.onTick('ETH', later, 500, 0).firings]).toEqual([]);
  });

  describe('a series that gains an indicator (another strategy on it, or one edited)', () => {
    const stoch: IndicatorSpec = { name: 'st', kind: IndicatorKind.STOCH, period: 2, signalPeriod: 2 };
    const sma2: IndicatorSpec = { name: 'sma2', kind: IndicatorKind.SMA, period: 2 };
    const at = (minute: number, second = 0) => new Date(START + minute * MINUTE + second * 1000);
    /** Minutes 0-2 closed at 15, each between 14.8 and 15.5. */
    const history = [0, 1, 2].map((minute) => ({ ...closed(minute, 15), high: 15.5, low: 14.8 }));
    const series = (specs: IndicatorSpec[]) => {
      const made = new CandleSeries('BTC', 'M1');
      made.reset(specs, history);
      return made;
    };

    it("keeps the period's live candle: the indicators already there read what they read without it, the new one what it would have from the start", () => {
      const undisturbed = series([stoch]);
      const joined = series([stoch]);
      const fromStart = series([stoch, sma2]);
      for (const each of [undisturbed, joined, fromStart]) [20, 10].forEach((price, index) => each.tick(at(3, 10 * (index + 1)), price));
      joined.reset([stoch, sma2], history);
      for (const each of [undisturbed, joined, fromStart]) each.tick(at(3, 30), 15);
      // Minute 3 so far: high 20, low 10, close 15, so k = (15 − 10) / (20 − 10) = 50 over minutes 2 and 3.
      // Started afresh at the third tick, minute 3 read high = low = 15 (k = 28.6), where a backtest reads 50.
      expect(undisturbed.value(stoch)).toMatchObject({ k: 50 });
      expect(joined.value(stoch)).toEqual(undisturbed.value(stoch));
      expect(joined.value(sma2)).toEqual(fromStart.value(sma2));
    });

    it('keeps a period it ended from ticks whose close has not come, and takes that close when it comes', () => {
      const undisturbed = series([stoch]);
      const joined = series([stoch]);
      for (const each of [undisturbed, joined]) {
        each.tick(at(3, 10), 20);
        each.tick(at(3, 20), 10);
        each.tick(at(4, 10), 12);
      }
      joined.reset([stoch, sma2], history);
      expect(joined.value(stoch)).toEqual(undisturbed.value(stoch));
      for (const each of [undisturbed, joined]) expect(each.close({ ...closed(3, 11), high: 21, low: 9, revision: 3 })).toBe('late');
      expect(joined.value(stoch)).toEqual(undisturbed.value(stoch));
      expect(joined.lastClosedVolume).toBe(1);
    });
  });

  describe('a close that arrives after the next period\'s first tick', () => {
    const sma3 = { name: 'sma3', kind: IndicatorKind.SMA, period: 3 };
    const at = (minute: number, second = 0) => new Date(START + minute * MINUTE + second * 1000);
    /** Minutes 0–2 closed at 100, minute 3 ticked at 100, then minute 4's first tick (100) came before minute 3's close. */
    function minuteFourBeforeThreeCloses(): CandleSeries {
      const series = new CandleSeries('BTC', 'M1');
      series.reset([sma3], [closed(0, 100), closed(1, 100), closed(2, 100)]);
      series.tick(at(3), 100);
      series.tick(at(4), 100);
      expect(series.value(sma3)).toBe(100);
      return series;
    }

    it('is taken into its own period by the live series, which then reads as one restarted from the store', () => {
      const series = minuteFourBeforeThreeCloses();
      // Market's close of minute 3: 160, where the series had seen 100 from its ticks.
      expect(series.close({ ...closed(3, 160), revision: 3 })).toBe('late');
      // sma3 over minutes 2, 3 and the live 4: (100 + 160 + 100) / 3.
      expect(series.value(sma3)).toBe(120);
      expect(series.lastClosedVolume).toBe(1);
      series.tick(at(4, 10), 130);
      const restarted = new CandleSeries('BTC', 'M1');
      restarted.reset([sma3], [closed(0, 100), closed(1, 100), closed(2, 100), { ...closed(3, 160), revision: 3 }]);
      restarted.tick(at(4), 100);
      restarted.tick(at(4, 10), 130);
      expect(series.value(sma3)).toBe(restarted.value(sma3));
      expect(series.value(sma3)).toBe(130);
    });

    it('is ordered by revision, not arrival: an older announcement of a close held changes nothing, a newer one replaces it', () => {
      const series = minuteFourBeforeThreeCloses();
      series.close({ ...closed(3, 160), revision: 3 });
      expect(series.close({ ...closed(3, 400), revision: 2 })).toBe('ignored');
      expect(series.close({ ...closed(3, 160), revision: 3 })).toBe('ignored');
      expect(series.value(sma3)).toBe(120);
      // A newer one (an import's figures, say) replaces it.
      expect(series.close({ ...closed(3, 130), revision: 4 })).toBe('late');
      expect(series.value(sma3)).toBe(110);
    });

    it('without a revision (a market older than revisions), takes the later of two closes of one period, as the store keeps it', () => {
      const series = minuteFourBeforeThreeCloses();
      expect(series.close(closed(3, 160))).toBe('late');
      expect(series.value(sma3)).toBe(120);
      expect(series.close(closed(3, 130))).toBe('late');
      expect(series.value(sma3)).toBe(110);
      // A counted close is newer still; one without a revision after it changes nothing, as in the store.
      expect(series.close({ ...closed(3, 160), revision: 1 })).toBe('late');
      expect(series.close(closed(3, 400))).toBe('ignored');
      expect(series.value(sma3)).toBe(120);
    });

    it('older than every candle the series holds with its whole warm-up, is left to the store', () => {
      // sma3 warms up on 32 candles: the series holds minutes -28 to 3 (3 as its ticks left it), and the live 4.
      const series = new CandleSeries('BTC', 'M1');
      series.reset([sma3], Array.from({ length: 40 }, (_, n) => closed(n - 37, 100)));
      series.tick(at(3), 100);
      series.tick(at(4), 100);
      expect(series.close({ ...closed(-29, 900), revision: 9 })).toBe('ignored');
      expect(series.close({ ...closed(-28, 100), revision: 9 })).toBe('late');
      expect(series.value(sma3)).toBe(100);
    });

    it('reaches the strategies evaluated after it, but not ON_CLOSE ones: its moment has passed, the next close evaluates them', async () => {
      const crossing = await engineWith(strategy({ condition: 'sma3 > 110.0' }));
      crossing.onTick('BTC', at(3), 100, 0);
      expect(crossing.onTick('BTC', at(4), 100, 0).firings).toEqual([]);
      expect(crossing.onCandleClosed({ ...closed(3, 160), revision: 3 }).firings).toEqual([]);
      expect(crossing.onTick('BTC', at(4, 10), 100, 0).firings.map((firing) => firing.values.sma3)).toEqual([120]);

      const onClose = await engineWith(strategy({ trigger: TriggerMode.ON_CLOSE, condition: 'sma3 > 0.0' }), undefined, () => START + 5 * MINUTE);
      onClose.onTick('BTC', at(3), 100, 0);
      onClose.onTick('BTC', at(4), 100, 0);
      expect(onClose.onCandleClosed({ ...closed(3, 160), revision: 3 }).firings).toEqual([]);
      expect(onClose.onCandleClosed({ ...closed(4, 100), revision: 3 }).firings.map((firing) => firing.values.sma3)).toEqual([120]);
    });
  });
});
