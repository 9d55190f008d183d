import { BusRetention, CANDLE_INTERVALS, INTERVAL_MS, MARKET_CANDLE } from '@herck/common';

const DAY_MS = 86_400_000;

/**
 * How many closed candles of each interval the bus keeps at the least: as many as the longest
 * indicator period analysis accepts, so a new analysis database (a new replica's, a restored one)
 * finds enough to warm any strategy up, and the daily closes of as many days to value portfolios.
 */
export const CANDLE_EVENTS_KEPT = 1000;

/** Market's closed-candle events kept for their interval's last CANDLE_EVENTS_KEPT candles (M1 under a day, D1 about 2.7 years). */
export function candleEventRetention(): NonNullable<BusRetention['longer']> {
  return {
    type: MARKET_CANDLE,
    field: 'interval',
    days: Object.fromEntries(CANDLE_INTERVALS.map((interval) => [interval, Math.ceil((CANDLE_EVENTS_KEPT * INTERVAL_MS[interval]) / DAY_MS)])),
  };
}
