import { v7 as timeOrderedUuid } from 'uuid';
import { LogSink } from './logger';

/** Names a batch; the same on every attempt to send it. */
export const LOG_BATCH_HEADER = 'x-herck-log-batch';

interface PendingBatch {
  id: string;
  /** Entries taken from the buffer's head. */
  count: number;
  /** Drops reported by its last line. */
  reporting: number;
  lines: string[];
}

export interface LogShipperOptions {
  /** The logs subgraph's ingest route. */
  url: string;
  /** The shipping service, named in the entry that reports drops. */
  service: string;
  /** Headers that authenticate a batch (a log-shipping token). */
  headers: () => Record<string, string>;
  /** A batch goes when it has this many entries… */
  batchEntries?: number;
  /** …or this many bytes… */
  batchBytes?: number;
  /** …or when its oldest entry has waited this long. */
  flushIntervalMs?: number;
  /** Entries held while logs is slow or away; beyond it new entries are dropped and counted. */
  maxBufferedEntries?: number;
  /** An entry longer than this is dropped and counted (logs refuses oversized batches). */
  maxEntryBytes?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  requestTimeoutMs?: number;
  /** Where the shipper reports its own trouble: never through itself. */
  report?: LogSink;
  now?: () => number;
}

export interface LogShipperStats {
  buffered: number;
  shipped: number;
  dropped: number;
}

/**
 * Ships a process's log entries to the logs subgraph: batched by count, size
 * and time, retried with exponential backoff, held in a bounded buffer. Writing
 * an entry is an array push; sending is asynchronous, so neither a request nor
 * the event loop waits for logs. When the buffer is full new entries are
 * dropped, counted, and the count travels as an entry of the next batch that
 * gets through.
 */
export class LogShipper {
  readonly sink: LogSink = (line) => this.push(line);
  private readonly buffer: string[] = [];
  private unreportedDrops = 0;
  private totalDropped = 0;
  private shipped = 0;
  private failures = 0;
  /** After a failed attempt, no send before this time, however many entries arrive meanwhile. */
  private retryAt = 0;
  private sending?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private timerDue = Infinity;
  private closed = false;
  private pending?: PendingBatch;
  private readonly options: Required<Omit<LogShipperOptions, 'report'>> & Pick<LogShipperOptions, 'report'>;

  constructor(options: LogShipperOptions) {
    this.options = {
      batchEntries: 1000,
      batchBytes: 1024 * 1024,
      flushIntervalMs: 1000,
      maxBufferedEntries: 20_000,
      maxEntryBytes: 256 * 1024,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
      requestTimeoutMs: 10_000,
      now: Date.now,
      ...options,
    };
  }

  stats(): LogShipperStats {
    return { buffered: this.buffer.length, shipped: this.shipped, dropped: this.totalDropped };
  }

  push(line: string): void {
    if (this.closed || this.buffer.length >= this.options.maxBufferedEntries || line.length > this.options.maxEntryBytes) {
      this.drop(1);
      return;
    }
    this.buffer.push(line);
    this.schedule(this.buffer.length >= this.options.batchEntries ? 0 : this.options.flushIntervalMs);
  }

  /** Sends everything buffered now (tests, shutdown); stops at the first failure. */
  async flush(): Promise<void> {
    await this.sending;
    while (this.hasWork()) {
      await this.send();
      if (this.failures) return;
    }
  }

  /** Takes no more entries and ships what it holds, giving up after `deadlineMs`. */
  async close(deadlineMs = 5_000): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (deadline = setTimeout(resolve, deadlineMs).unref()))]);
    clearTimeout(deadline);
    clearTimeout(this.timer);
  }

  private hasWork(): boolean {
    return this.buffer.length > 0 || this.unreportedDrops > 0;
  }

  private drop(entries: number): void {
    this.unreportedDrops += entries;
    this.totalDropped += entries;
  }

  /**
   * Runs a send in `delayMs` (after a failure, not before its backoff is over) unless one is due
   * sooner or under way (it reschedules itself when done).
   */
  private schedule(delayMs: number): void {
    if (this.sending || this.closed) return;
    const now = this.options.now();
    const due = Math.max(now + delayMs, this.retryAt);
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      void this.send();
    }, due - now);
    this.timer.unref();
  }

  private send(): Promise<void> {
    this.sending ??= this.sendBatch().finally(() => {
      this.sending = undefined;
      if (this.failures) this.retryAt = this.options.now() + this.backoffMs();
      if (!this.hasWork()) return;
      if (this.failures) this.schedule(0);
      else this.schedule(this.buffer.length >= this.options.batchEntries ? 0 : this.options.flushIntervalMs);
    });
    return this.sending;
  }

  private async sendBatch(): Promise<void> {
    // A batch is fixed when first sent and resent as it was: logs derives entry ids from its id and
    // each line's place, so a retry of a batch logs stored but could not acknowledge stores nothing twice.
    this.pending ??= this.nextBatch();
    const { id, count, reporting, lines } = this.pending;
    if (!lines.length) return void (this.pending = undefined);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', [LOG_BATCH_HEADER]: id, ...this.options.headers() },
        body: lines.join('\n'),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      await response.arrayBuffer();
      // A batch logs can never take (malformed, too large) is dropped rather than retried for ever.
      if (response.status === 400 || response.status === 413) {
        this.settle(count, reporting);
        this.drop(count + reporting);
        this.problem('logs refused a batch; its entries are dropped', { status: response.status, entries: count });
        return;
      }
      if (!response.ok) throw new Error(`logs answered ${response.status}`);
      this.settle(count, reporting);
      this.shipped += count;
      if (this.failures) this.problem('log shipping resumed', { failedAttempts: this.failures }, 'info');
      this.failures = 0;
      this.retryAt = 0;
    } catch (error) {
      this.failures++;
      // Closing, there is no retry to announce (the lines are on stdout all the same).
      if (this.failures === 1 && !this.closed) this.problem('log shipping failed; retrying with backoff', { error: String((error as Error)?.cause ?? error) });
    }
  }

  /** The entries at the buffer's head, up to a batch's count and size, and the drops not yet reported. */
  private nextBatch(): PendingBatch {
    let count = 0;
    let bytes = 0;
    while (count < this.buffer.length && count < this.options.batchEntries) {
      bytes += this.buffer[count]!.length + 1;
      if (count > 0 && bytes > this.options.batchBytes) break;
      count++;
    }
    // The batch stays at the buffer's head until logs has it: nothing is lost if an attempt fails.
    const lines = this.buffer.slice(0, count);
    const reporting = this.unreportedDrops;
    if (reporting) lines.push(this.dropEntry(reporting));
    // Time-ordered: logs derives its entries' ids from it, and ordered ids are cheap to index.
    return { id: timeOrderedUuid(), count, reporting, lines };
  }

  /** The pending batch is done with (stored or refused): its entries leave the buffer. */
  private settle(count: number, reporting: number): void {
    this.buffer.splice(0, count);
    this.unreportedDrops -= reporting;
    this.pending = undefined;
  }

  private backoffMs(): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (this.failures - 1));
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  }

  private dropEntry(dropped: number): string {
    return JSON.stringify({ time: new Date(this.options.now()).toISOString(), level: 'warn', service: this.options.service, msg: 'log entries dropped before shipping', dropped });
  }

  private problem(msg: string, fields: Record<string, unknown>, level = 'warn'): void {
    this.options.report?.(JSON.stringify({ time: new Date(this.options.now()).toISOString(), level, service: this.options.service, msg, ...fields }));
  }
}
