import { EntityManager } from '@mikro-orm/postgresql';
import { Asset } from '../asset/asset.entity';
import { Candle } from '../candle/candle.type';
import { arrayParameter, CANDLE_INTERVALS, CandleInterval, candleOpenTime, INTERVAL_MS } from '@herck/common';
import { FxRate } from '../fx/fx-rate.type';
import { GlobalMetrics, hasFigures } from '../global/global-metrics.type';
import { MarketRound } from '../ingestion/market-round';
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
    const params: unknown[] = [symbol, interval];
    const window = timeWindowSql('open_time', page, params);
    const rows = await this.em.execute<CandleRow[]>(
      `SELECT * FROM candles WHERE symbol = ? AND interval = ? AND ${window.where} ORDER BY ${window.order} LIMIT ${page.first + 1}`,
      params,
    );
    // The stored flag is set by the next round; a candle whose interval has ended is closed already.
    const now = this.now();
    return rows.map(toCandle).map((candle) => (candle.closed || candle.closeTime.getTime() > now ? candle : { ...candle, closed: true }));
  }

  async globalMetrics(page: TimePage): Promise<GlobalMetrics[]> {
    const params: unknown[] = [];
    const window = timeWindowSql('time', page, params);
    const rows = await this.em.execute<GlobalMetricsRow[]>(`SELECT * FROM global_metrics WHERE ${window.where} ORDER BY ${window.order} LIMIT ${page.first + 1}`, params);
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
   * The candles a round touched, for a standby replica's subscribers: each
   * interval's current candle of the quoted symbols and, where that candle
   * began with this round, the one it closed.
   */
  async candlesOfRound(round: MarketRound): Promise<Candle[]> {
    const symbols = round.ticks.map((tick) => tick.symbol);
    if (!symbols.length) return [];
    const opens = CANDLE_INTERVALS.map((interval) => [interval, candleOpenTime(interval, round.time)] as const);
    const rows = await this.em.execute<CandleRow[]>(
      `SELECT * FROM candles WHERE symbol IN (${symbols.map(() => '?').join(', ')}) AND (${opens.map(() => '(interval = ? AND open_time IN (?, ?))').join(' OR ')})`,
      [...symbols, ...opens.flatMap(([interval, open]) => [interval, open, new Date(open.getTime() - INTERVAL_MS[interval])])],
    );
    const candles = rows.map(toCandle);
    const began = new Set(candles.filter((c) => c.tickCount === 1 && c.openTime.getTime() === candleOpenTime(c.interval, round.time).getTime()).map((c) => `${c.symbol}|${c.interval}`));
    // Closed ones first, as the ingesting replica publishes them.
    return candles
      .filter((c) => c.openTime.getTime() === candleOpenTime(c.interval, round.time).getTime() || (c.closed && began.has(`${c.symbol}|${c.interval}`)))
      .sort((a, b) => Number(b.closed) - Number(a.closed));
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
