import { CandleInterval, INTERVAL_MS } from '@herck/common';
import { ClosedCandle, isRecentClose } from '../candle/closed-candle';
import { compileCondition } from '../condition/condition-compiler';
import { TriggerMode } from '../strategy/trigger-mode';
import { warmUpCandles } from '../indicator/live-indicator';
import { CandleSeries } from './candle-series';
import { evaluateCondition, plainValues, PreparedStrategy, prepareStrategy } from './evaluate-condition';
import { Evaluator } from './evaluator';
import { signalOf, StrategyDefinition } from './strategy-definition';
import { decide, INITIAL_STATE, SymbolState } from './trigger-policy';

/** A strategy fired for a symbol: the alert to store and send. */
export interface Firing {
  strategy: StrategyDefinition;
  symbol: string;
  at: Date;
  /** The price evaluated (a float, as conditions and indicators compute). */
  price: number;
  /** The tick's price as market wrote it (decimal text), set by whoever has it: what the alert records. */
  exactPrice?: string;
  values: Record<string, unknown>;
}

/** What one event changed, for the caller to store in the same transaction as its read position. */
export interface EvaluationOutcome {
  firings: Firing[];
  /**
   * Per-symbol states that changed (stored so a restart neither re-fires nor forgets a cooldown), each with
   * the signal it was evaluated on (`signalOf`): an edit may change the strategy before they are written.
   */
  states: { strategyId: string; symbol: string; state: SymbolState; signal: string }[];
  /** Conditions that failed at run time (other strategies are evaluated all the same), with the signal evaluated. */
  errors: { strategyId: string; message: string; signal: string }[];
  /** Strategies whose condition evaluates again for every symbol it had failed for (their stored error is cleared), with the signal evaluated. */
  recovered: { strategyId: string; signal: string }[];
}

/** Loads the closed candles a series needs (from analysis's own store). */
export type HistoryLoader = (symbol: string, interval: CandleInterval, count: number) => Promise<ClosedCandle[]>;

interface Watched extends PreparedStrategy {
  /** `signalOf(definition)`, computed once: what its states and errors were evaluated on. */
  signal: string;
  states: Map<string, SymbolState>;
  /**
   * Per symbol, the run-time error last reported, so a failing condition is reported once, not on
   * every tick (per symbol: one that fails for one symbol and holds for another was reported on every round).
   */
  failing: Map<string, string>;
  /** The store holds a run-time error of this strategy (`lastError`), to be cleared once no symbol fails. */
  errorStored: boolean;
}

const seriesKey = (symbol: string, interval: CandleInterval) => `${symbol}|${interval}`;

/**
 * The enabled strategies in memory, their indicator series and per-symbol
 * states. Each tick updates the series watching its symbols once, then
 * evaluates every strategy on them; a closed candle ends its period and
 * evaluates the ON_CLOSE strategies of that series.
 */
export class StrategyEngine implements Evaluator {
  private readonly watched = new Map<string, Watched>();
  private readonly series = new Map<string, CandleSeries>();
  /** Strategies by the symbols they watch. */
  private readonly bySymbol = new Map<string, Set<Watched>>();
  /** The latest 24 h change per symbol, from ticks (ON_CLOSE evaluations read it). */
  private readonly change24h = new Map<string, number>();

  constructor(
    private readonly loadHistory: HistoryLoader,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.watched.size;
  }

  /**
   * Starts watching (or re-reads) a strategy; its series are warmed up from the store when it brings new indicators.
   * `errorStored`: the store holds a run-time error of it, which its next evaluation that fails for no symbol clears.
   */
  async watch(definition: StrategyDefinition, states: Map<string, SymbolState> = new Map(), errorStored = false): Promise<void> {
    const compiled = compileCondition(definition.condition, definition.indicators);
    // Stored conditions were checked when saved; one that no longer compiles is skipped, not fatal.
    if (!compiled.ok) throw new Error(`condition does not compile: ${compiled.problems[0]!.message}`);
    this.unwatch(definition.id);
    const watched: Watched = { ...prepareStrategy(definition, compiled.condition), signal: signalOf(definition), states, failing: new Map(), errorStored };
    this.watched.set(definition.id, watched);
    // Listed under every symbol before any history is loaded: an edit or a switch-off read while this
    // one still loads must find (and drop) it whole. Added symbol by symbol across the loads, a
    // superseded definition was left under the later symbols, evaluated (and firing) for good.
    for (const symbol of definition.symbols) {
      if (!this.bySymbol.has(symbol)) this.bySymbol.set(symbol, new Set());
      this.bySymbol.get(symbol)!.add(watched);
    }
    // Until its series hold its indicators, it is not ready (and does not fire).
    for (const symbol of definition.symbols) await this.prepareSeries(symbol, definition.interval);
  }

  /** Whether `definition` has the signal of the watched strategy of its id (only its name, channels or cooldown changed). */
  evaluatesAlike(definition: StrategyDefinition): boolean {
    const watched = this.watched.get(definition.id)?.definition;
    return watched !== undefined && signalOf(watched) === signalOf(definition);
  }

  /** Takes a changed name or cooldown into a watched strategy with the same signal, keeping its states. */
  redefine(definition: StrategyDefinition): void {
    const watched = this.watched.get(definition.id);
    if (watched) watched.definition = definition;
  }

  /** Drops every strategy of an owner (the account was deleted). */
  unwatchOwner(ownerId: string): void {
    for (const watched of [...this.watched.values()]) if (watched.definition.ownerId === ownerId) this.unwatch(watched.definition.id);
  }

  unwatch(strategyId: string): void {
    const watched = this.watched.get(strategyId);
    if (!watched) return;
    this.watched.delete(strategyId);
    for (const symbol of watched.definition.symbols) this.bySymbol.get(symbol)?.delete(watched);
  }

  unwatchAll(): void {
    this.watched.clear();
    this.bySymbol.clear();
    this.series.clear();
  }

  /** One round's price for one symbol. */
  onTick(symbol: string, time: Date, price: number, change24h: number): EvaluationOutcome {
    const outcome: EvaluationOutcome = { firings: [], states: [], errors: [], recovered: [] };
    if (Number.isFinite(change24h)) this.change24h.set(symbol, change24h);
    const watchers = this.bySymbol.get(symbol);
    if (!watchers?.size) return outcome;
    const fresh = new Set<CandleSeries>();
    for (const series of this.seriesOf(symbol)) if (series.tick(time, price)) fresh.add(series);
    for (const watched of watchers) {
      if (watched.definition.trigger === TriggerMode.ON_CLOSE) continue;
      const series = this.series.get(seriesKey(symbol, watched.definition.interval))!;
      if (!fresh.has(series)) continue;
      this.evaluate(watched, symbol, series, time, price, change24h, outcome);
    }
    return outcome;
  }

  /**
   * Market stopped following `symbol`: the strategies that keep watching it see no more of it, so a
   * run-time error they had for it is no error of theirs any more (it never evaluates again to clear
   * it); `lastError` is cleared once no symbol of theirs fails.
   */
  onSymbolUntracked(symbol: string): EvaluationOutcome {
    const outcome: EvaluationOutcome = { firings: [], states: [], errors: [], recovered: [] };
    for (const watched of this.bySymbol.get(symbol) ?? []) {
      if (!watched.failing.delete(symbol) || !watched.errorStored || watched.failing.size > 0) continue;
      watched.errorStored = false;
      outcome.recovered.push({ strategyId: watched.definition.id, signal: watched.signal });
    }
    return outcome;
  }

  /**
   * A candle market closed: ends its period; ON_CLOSE strategies evaluate if it is recent and a round closed it (an
   * import of history, however recent, only warms up: a file read now is no close happening now).
   * A close that came after its series had passed its period (the next period's first tick came first) is taken into
   * its period for the evaluations after it, but evaluates nothing: its moment has passed, and the indicators now
   * read the later period's live candle too; the next close evaluates the ON_CLOSE strategies.
   */
  onCandleClosed(candle: ClosedCandle): EvaluationOutcome {
    const outcome: EvaluationOutcome = { firings: [], states: [], errors: [], recovered: [] };
    const series = this.series.get(seriesKey(candle.symbol, candle.interval));
    if (series?.close(candle) !== 'ended') return outcome;
    const closeTime = candle.openTime.getTime() + INTERVAL_MS[candle.interval];
    if (candle.imported || !isRecentClose(closeTime, candle.interval, this.now())) return outcome;
    // The figure the stored close keeps (the latest tick's when it was stored), as a backtest reads it; else the latest tick's here.
    const change24h = candle.change24h ?? this.change24h.get(candle.symbol) ?? Number.NaN;
    for (const watched of this.bySymbol.get(candle.symbol) ?? []) {
      if (watched.definition.trigger !== TriggerMode.ON_CLOSE || watched.definition.interval !== candle.interval) continue;
      this.evaluate(watched, candle.symbol, series, new Date(closeTime), candle.close, change24h, outcome);
    }
    return outcome;
  }

  private evaluate(watched: Watched, symbol: string, series: CandleSeries, at: Date, price: number, change24h: number, outcome: EvaluationOutcome): void {
    const { definition } = watched;
    const evaluation = evaluateCondition(watched, series, { price, change24h });
    if (evaluation.kind === 'not-ready') return;
    if (evaluation.kind === 'error') {
      // Reported when it changes, not on every tick: the store keeps the last one.
      if (watched.failing.get(symbol) !== evaluation.message) outcome.errors.push({ strategyId: definition.id, message: evaluation.message, signal: watched.signal });
      watched.failing.set(symbol, evaluation.message);
      watched.errorStored = true;
      return;
    }
    watched.failing.delete(symbol);
    // "Why the last evaluation failed": once the condition evaluates for every symbol again, nothing has.
    if (watched.errorStored && watched.failing.size === 0) {
      watched.errorStored = false;
      outcome.recovered.push({ strategyId: definition.id, signal: watched.signal });
    }
    const before = watched.states.get(symbol) ?? INITIAL_STATE;
    const { fire, state } = decide(definition.trigger, before, evaluation.holds, at.getTime(), definition.cooldownSeconds);
    if (state.holds !== before.holds || state.lastFiredAt !== before.lastFiredAt) {
      watched.states.set(symbol, state);
      outcome.states.push({ strategyId: definition.id, symbol, state, signal: watched.signal });
    }
    if (!fire) return;
    outcome.firings.push({ strategy: definition, symbol, at, price, values: plainValues(evaluation.variables) });
    // ONCE has done its work: nothing more is evaluated for it (the caller disables it in the store).
    if (definition.trigger === TriggerMode.ONCE) this.unwatch(definition.id);
  }

  private *seriesOf(symbol: string): Iterable<CandleSeries> {
    for (const series of this.series.values()) if (series.symbol === symbol) yield series;
  }

  /** Makes sure the series holds every indicator its strategies read, warmed up from the store if it did not. */
  private async prepareSeries(symbol: string, interval: CandleInterval): Promise<void> {
    const key = seriesKey(symbol, interval);
    const specs = [...(this.bySymbol.get(symbol) ?? [])].filter((watched) => watched.definition.interval === interval).flatMap((watched) => watched.definition.indicators);
    const existing = this.series.get(key);
    if (existing?.holds(specs)) return;
    const series = existing ?? new CandleSeries(symbol, interval);
    // Loaded before the reset, so the series' other strategies go on evaluating meanwhile. At least the
    // last closed candle, whose volume conditions read as `volume` (none without indicators read 0 until the next close).
    const history = await this.loadHistory(symbol, interval, Math.max(1, ...specs.map(warmUpCandles)));
    series.reset(specs, history);
    this.series.set(key, series);
  }
}
