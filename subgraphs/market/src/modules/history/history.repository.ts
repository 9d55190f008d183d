import { EntityManager } from '@mikro-orm/postgresql';
import { Asset } from '../asset/asset.entity';
import { Candle } from '../candle/candle.type';
import { arrayParameter, CANDLE_INTERVALS, CandleInterval, candleOpenTime } from '@herck/common';
import { FxRate } from '../fx/fx-rate.type';
import { GlobalMetrics, HAS_FIGURES_SQL, hasFigures } from '../global/global-metrics.type';
import { MarketRound } from '../ingestion/market-round';
import { closeOrder } from '../ingestion/round-writer';
import { TimePage, timeWindowSql } from '../paging/time-page';
import { Tick } from '../tick/tick.type';
import { CandleRow, FxRateRow, GlobalMetricsRow, TickRow, toCandle, toFxRate, toGlobalMetrics, toTick } from './market-rows';

/**
 * Reads the stored history. Every query walks an index in key order with a
 * limit (first + 1 rows): ticks by (symbol, time), candles by (symbol,
 * interval, open_time), rounds by time.
 */
export class HistoryRepository {
  constructor(
    private readonly em: EntityManager,
    /** What "now" is for `Candle.closed` (the ingestion's clock: a fake one in tests). */
    private readonly now: () => number = Date.now,
  ) {}

  async ticks(symbol: string, page: TimePage): Promise<Tick[]> {
    const params: unknown[] = [symbol];
    const window = timeWindowSql('time', page, params);
    const rows = await this.em.execute<TickRow[]>(`SELECT * FROM ticks WHERE symbol = ? AND ${window.where} ORDER BY ${window.order} LIMIT ${page.first + 1}`, params);
    return rows.map(toTick);
  }

  async candles(symbol: string, interval: CandleInterval, page: TimePage): Promise<Candle[]> {
    return this.candlesOf([symbol], interval, page);
  }

  /**
   * The same page of candles of each of `symbols` (first + 1 rows each), in one
   * statement: an index walk per symbol, the symbols in the order given.
   */
  async candlesOf(symbols: string[], interval: CandleInterval, page: TimePage): Promise<Candle[]> {
    const params: unknown[] = [arrayParameter(symbols), interval];
    const window = timeWindowSql('open_time', page, params);
    const rows = await this.em.execute<CandleRow[]>(
      `SELECT c.* FROM unnest(?::text[]) WITH ORDINALITY AS s(symbol, n)
         CROSS JOIN LATERAL (SELECT * FROM candles WHERE candles.symbol = s.symbol AND interval = ? AND ${window.where} ORDER BY ${window.order} LIMIT ${page.first + 1}) AS c
        ORDER BY s.n, c.${window.order}`,
      params,
    );
    // The stored flag is set by the next round; a candle whose interval has ended is closed already.
    const now = this.now();
    return rows.map(toCandle).map((candle) => (candle.closed || candle.closeTime.getTime() > now ? candle : { ...candle, closed: true }));
  }

  /** Rounds that have market-wide figures; a round without any (Binance alone gives none) is no node of its own. */
  async globalMetrics(page: TimePage): Promise<GlobalMetrics[]> {
    const params: unknown[] = [];
    const window = timeWindowSql('time', page, params);
    const rows = await this.em.execute<GlobalMetricsRow[]>(
      `SELECT * FROM global_metrics WHERE ${HAS_FIGURES_SQL} AND ${window.where} ORDER BY ${window.order} LIMIT ${page.first + 1}`,
      params,
    );
    return rows.map(toGlobalMetrics);
  }

  /** The global figures of each round time, for batching (`Tick.global` of historical ticks). */
  async globalMetricsAt(times: Date[]): Promise<GlobalMetrics[]> {
    const rows = await this.em.execute<GlobalMetricsRow[]>(`SELECT * FROM global_metrics WHERE time IN (${times.map(() => '?').join(', ')})`, times);
    return rows.map(toGlobalMetrics);
  }

  /** Every tick of each round time (`GlobalMetrics.ticks` of past rounds). */
  async ticksAt(times: Date[]): Promise<Tick[]> {
    const rows = await this.em.execute<TickRow[]>(`SELECT * FROM ticks WHERE time IN (${times.map(() => '?').join(', ')}) ORDER BY symbol`, times);
    return rows.map(toTick);
  }

  /** The newest stored tick of each of `symbols` that has any. */
  async latestTicksOf(symbols: string[]): Promise<Tick[]> {
    // One primary-key probe per symbol (newest first, one row), not every stored tick of each.
    const rows = await this.em.execute<TickRow[]>(
      'SELECT t.* FROM unnest(?::text[]) AS s(symbol) CROSS JOIN LATERAL (SELECT * FROM ticks WHERE ticks.symbol = s.symbol ORDER BY time DESC LIMIT 1) AS t',
      [arrayParameter(symbols)],
    );
    return rows.map(toTick);
  }

  /** The rates of the latest round that had any, against USD. */
  async latestUsdRates(): Promise<FxRate[]> {
    const rows = await this.em.execute<FxRateRow[]>("SELECT * FROM fx_rates WHERE base = 'USD' AND time = (SELECT max(time) FROM fx_rates)");
    return rows.map(toFxRate);
  }

  /**
   * The candles a round touched, for a standby replica's subscribers, as the
   * ingesting replica published them: those the round closed first, then each
   * interval's current candle of the symbols it quoted, as that round left it.
   * Read once a later round has committed (a round that overran, a slow load, a
   * takeover), those current candles hold the later round's figures, or its close:
   * they are left out then, for the later round's load publishes them (a close
   * published twice, or a candle's later state published as this round's, before
   * it again). One statement, so the check and the read see the same commits.
   */
  async candlesOfRound(round: MarketRound): Promise<Candle[]> {
    const symbols = round.ticks.map((tick) => tick.symbol);
    if (!symbols.length) return [];
    const opens = CANDLE_INTERVALS.map((interval) => [interval, candleOpenTime(interval, round.time)] as const);
    const rows = await this.em.execute<CandleRow[]>(
      `SELECT * FROM candles WHERE symbol IN (${symbols.map(() => '?').join(', ')}) AND (${opens.map(() => '(interval = ? AND open_time = ?)').join(' OR ')})
          AND (closed_at IS NULL OR closed_at <= ?) AND NOT EXISTS (SELECT 1 FROM global_metrics WHERE time > ?)`,
      [...symbols, ...opens.flat(), round.time, round.time],
    );
    return [...(await this.candlesClosedBy(round.time)), ...rows.map(toCandle)];
  }

  /**
   * The candles the round at `time` closed, as the ingesting replica published
   * them: each records the round that closed it. That is every open candle
   * whose period had ended, of every asset (also one the round did not quote,
   * and one an import replaced after its period ended but before the round,
   * which the import leaves open for it); a candle an import wrote closed is no
   * round's close, and the import announces it.
   */
  async candlesClosedBy(time: Date): Promise<Candle[]> {
    const rows = await this.em.execute<CandleRow[]>('SELECT * FROM candles WHERE closed_at = ?', [time]);
    return rows.map(toCandle).sort(closeOrder);
  }

  /** The tracked assets, with those a round quotes (untracked since). */
  assetsOf(round: MarketRound): Promise<Asset[]> {
    return this.em.find(Asset, { $or: [{ tracked: true }, { symbol: { $in: round.ticks.map((tick) => tick.symbol) } }] });
  }

  /** The latest stored round, or null before the first one. */
  async round(time?: Date): Promise<MarketRound | null> {
    const [row] = await this.em.execute<GlobalMetricsRow[]>(
      time ? 'SELECT * FROM global_metrics WHERE time = ?' : 'SELECT * FROM global_metrics ORDER BY time DESC LIMIT 1',
      time ? [time] : [],
    );
    if (!row) return null;
    const global = toGlobalMetrics(row);
    const fx = await this.em.execute<FxRateRow[]>('SELECT * FROM fx_rates WHERE time = ?', [global.time]);
    return {
      time: global.time,
      ticks: await this.ticksAt([global.time]),
      global: hasFigures(global) ? global : null,
      globalSource: row.source ?? null,
      fx: fx.map(toFxRate),
    };
  }
}
