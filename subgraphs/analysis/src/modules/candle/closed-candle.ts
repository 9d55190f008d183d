import { CandleInterval, INTERVAL_MS } from '@herck/common/time';

/** A candle whose period ended, as analysis keeps it (numbers: indicators compute in floating point). */
export interface ClosedCandle {
  symbol: string;
  interval: CandleInterval;
  openTime: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** The close as stored, decimal text: for the prices shown to people (a backtest's triggers), never through a float. */
  exactClose?: string;
  /** The 24-hour change live evaluation read at this close, when analysis saw it close (backtests read it). */
  change24h?: number | null;
  /**
   * Market's count of the candle's changes (see MarketCandleEvent.revision): of two closes of one
   * period the higher is the newer, whichever came first. Absent from closes announced before market counted them.
   */
  revision?: number;
  /** From an import (see MarketCandleEvent.imported): taken into its series, evaluated at by no strategy. */
  imported?: boolean;
}

/** Whether live evaluation reads a close: one within two periods of now (an older one is history: imported, replayed). */
export function isRecentClose(closeTime: number, interval: CandleInterval, now: number): boolean {
  return closeTime >= now - 2 * INTERVAL_MS[interval];
}
