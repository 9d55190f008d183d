/** The candle series kept for every asset. */
export const CANDLE_INTERVALS = ['M1', 'M5', 'M15', 'H1', 'H4', 'D1'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

const MINUTE = 60_000;

/** Each interval's length in milliseconds. */
export const INTERVAL_MS: Record<CandleInterval, number> = {
  M1: MINUTE,
  M5: 5 * MINUTE,
  M15: 15 * MINUTE,
  H1: 60 * MINUTE,
  H4: 240 * MINUTE,
  D1: 1440 * MINUTE,
};

/** The open time of the `interval` candle that contains `time` (UTC boundaries from the Unix epoch). */
export function candleOpenTime(interval: CandleInterval, time: Date): Date {
  const length = INTERVAL_MS[interval];
  return new Date(Math.floor(time.getTime() / length) * length);
}

export function isCandleInterval(value: string): value is CandleInterval {
  return (CANDLE_INTERVALS as readonly string[]).includes(value);
}
