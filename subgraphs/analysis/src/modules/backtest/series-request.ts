/**
 * A read of stored candles or ticks a replay asks for, in plain data: a replay on another thread
 * asks the service's thread, which holds the database connection. All of one symbol, of the
 * backtest's interval and range.
 */
export type SeriesRequest =
  /** The `count` candles closed before the range, oldest first: the indicators' warm-up. */
  | { read: 'warmUp'; symbol: string; count: number }
  /** The candles of the day before the range: the first closes' 24-hour change. */
  | { read: 'dayBefore'; symbol: string }
  /** The ticks of the period the range starts in, before its start: live evaluation's current candle held them. */
  | { read: 'periodSoFar'; symbol: string }
  /** The range's candles, or ticks, after `after` (from the start when null), at most `limit`, oldest first. */
  | { read: 'candles' | 'ticks'; symbol: string; page: { after: Date | null; limit: number } };

/** Answers a SeriesRequest: ClosedCandles, or StoredTicks for `ticks`. */
export type SeriesRead = (request: SeriesRequest) => Promise<unknown[]>;
