import { BusRetention, CANDLE_INTERVALS, INTERVAL_MS, MARKET_CANDLE } from '@herck/common';

/**
 * How many closed candles of each interval the bus keeps at the least: as many as the longest
 * indicator period analysis accepts (its MAX_PERIOD), so a new analysis database (a new replica's,
 * a restored one) has a full period of every indicator at once, and the daily closes of as many
 * days to value portfolios. Analysis warms up on up to ten periods; ten times as many events
 * (about a million at 20 assets) is more than the bus should hold for it.
 */
export const CANDLE_EVENTS_KEPT = 1000;

/** Market's closed-candle events kept for their interval's last CANDLE_EVENTS_KEPT candles (M1 under a day, D1 about 2.7 years). */
export function candleEventRetention(): NonNullable<BusRetention['longer']> {
  return {
    type: MARKET_CANDLE,
    field: 'interval',
    days: Object.fromEntries(CANDLE_INTERVALS.map((interval) => [interval, Math.ceil((CANDLE_EVENTS_KEPT * INTERVAL_MS[interval]) / INTERVAL_MS.D1)])),
  };
}
