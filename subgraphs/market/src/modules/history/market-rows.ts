import Decimal from 'decimal.js';
import { GlobalMetrics } from '../global/global-metrics.type';
import { Candle } from '../candle/candle.type';
import { CandleInterval, INTERVAL_MS } from '@herck/common';
import { FxRate } from '../fx/fx-rate.type';
import { Tick } from '../tick/tick.type';

/** Rows as PostgreSQL returns them through MikroORM: numerics and times as text. */
export interface TickRow {
  symbol: string;
  time: string | Date;
  price: string;
  volume_24h: string | null;
  market_cap: string | null;
  percent_change_1h: string | null;
  percent_change_24h: string | null;
  source: string;
}

export interface GlobalMetricsRow {
  time: string | Date;
  total_market_cap: string | null;
  total_volume_24h: string | null;
  btc_dominance: string | null;
  active_cryptocurrencies: number | null;
  source?: string | null;
}

export interface CandleRow {
  symbol: string;
  interval: CandleInterval;
  open_time: string | Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  tick_count: number;
  closed: boolean;
  /** Counts the candle's changes (see Candle.revision); absent from rows read before the column existed. */
  revision?: number;
  /** The round that closed it (null while open, for an imported one, and for those closed before rounds recorded it). */
  closed_at?: string | Date | null;
}

export interface FxRateRow {
  base: string;
  quote: string;
  rate: string;
  time: string | Date;
}

const decimal = (value: string | null): Decimal | null => (value === null ? null : new Decimal(value));

export function toTick(row: TickRow): Tick {
  return {
    symbol: row.symbol,
    time: new Date(row.time),
    price: new Decimal(row.price),
    quoteCurrency: 'USD',
    volume24h: decimal(row.volume_24h),
    marketCap: decimal(row.market_cap),
    percentChange1h: decimal(row.percent_change_1h),
    percentChange24h: decimal(row.percent_change_24h),
    source: row.source,
  };
}

export function toGlobalMetrics(row: GlobalMetricsRow): GlobalMetrics {
  return {
    time: new Date(row.time),
    totalMarketCap: decimal(row.total_market_cap),
    totalVolume24h: decimal(row.total_volume_24h),
    btcDominance: decimal(row.btc_dominance),
    activeCryptocurrencies: row.active_cryptocurrencies,
  };
}

export function toCandle(row: CandleRow): Candle {
  const openTime = new Date(row.open_time);
  return {
    symbol: row.symbol,
    interval: row.interval,
    openTime,
    closeTime: new Date(openTime.getTime() + INTERVAL_MS[row.interval]),
    open: new Decimal(row.open),
    high: new Decimal(row.high),
    low: new Decimal(row.low),
    close: new Decimal(row.close),
    volume: new Decimal(row.volume),
    tickCount: row.tick_count,
    closed: row.closed,
    revision: row.revision ?? 0,
  };
}

export function toFxRate(row: FxRateRow): FxRate {
  return { base: row.base, quote: row.quote, rate: new Decimal(row.rate), time: new Date(row.time) };
}

/** `?, ?, …` placeholders for `rows` rows of `columns` values each, as `(…), (…)`. */
export function valuesPlaceholders(rows: number, columns: number): string {
  const row = `(${Array(columns).fill('?').join(', ')})`;
  return Array(rows).fill(row).join(', ');
}
