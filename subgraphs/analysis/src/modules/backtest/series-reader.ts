/** Rows of candles or ticks read per statement, and held, while replaying. */
export const BACKTEST_BATCH = 10_000;

/**
 * A stored series read BACKTEST_BATCH rows at a time, oldest first, handed out one row at a
 * time: a long range (up to MAX_BACKTEST_TICKS) is never held whole, only the batch being
 * replayed. Only reading a batch awaits; stepping through one does not (an await per row
 * cost 0.5 µs, half a second over a million rows).
 */
export class SeriesReader<T> {
  private rows: T[] = [];
  private index = 0;
  private ended = false;

  constructor(
    /** The next rows after `after` (from the start when null), at most `limit`, oldest first. */
    private readonly read: (page: { after: Date | null; limit: number }) => Promise<T[]>,
    private readonly timeOf: (row: T) => Date,
  ) {}

  /** Whether `next` must await a read before `peek` says what comes next. */
  get drained(): boolean {
    return this.index >= this.rows.length && !this.ended;
  }

  /** Reads the next batch (call only when drained). */
  async next(): Promise<void> {
    const last = this.rows.at(-1);
    this.rows = await this.read({ after: last ? this.timeOf(last) : null, limit: BACKTEST_BATCH });
    this.index = 0;
    this.ended = this.rows.length < BACKTEST_BATCH;
  }

  /** The next row, or undefined at the end (or when drained). */
  peek(): T | undefined {
    return this.rows[this.index];
  }

  take(): T {
    return this.rows[this.index++]!;
  }
}
