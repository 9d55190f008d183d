import { Logger } from '@herck/common';

/** What the outbox reads of a `ws` socket. */
export interface OutgoingSocket {
  /** Bytes handed to the socket and not yet written to the network (grows while the client does not read). */
  readonly bufferedAmount: number;
  readonly readyState: number;
  once(event: 'close', listener: () => void): unknown;
  send(data: string): void;
}

export interface OutboxLimits {
  /** Events the connection may hold unsent, across its subscriptions. */
  maxQueuedEvents: number;
  /** The socket's unsent bytes above which no more events are handed to it. */
  maxBufferedBytes: number;
}

/** How long a blocked connection waits between looks at its socket's buffer. */
const DRAIN_POLL_MS = 25;
/** At most one warning per slow connection in this time. */
const WARN_EVERY_MS = 5_000;
const OPEN = 1;

/**
 * One graphql-ws connection's budget of unsent events, shared by its
 * subscriptions' queues (`EventStream`), and its socket's backpressure: a
 * client that stops reading makes `bufferedAmount` grow, and past
 * `maxBufferedBytes` events wait in the (bounded) queues instead of in the
 * socket's unbounded buffer. Counts what was conflated or dropped and warns
 * about it at most every few seconds.
 */
export class ConnectionOutbox {
  /** Events queued unsent on this connection. */
  queued = 0;
  /** Events given up since the connection opened: dropped, or replaced by a newer one. */
  dropped = 0;
  /** Of `dropped`, those replaced by a newer event of the same subscription. */
  conflated = 0;
  private unreported = { dropped: 0, conflated: 0 };
  private lastWarning = 0;
  private drained: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly socket: OutgoingSocket,
    private readonly limits: OutboxLimits,
    private readonly client: string,
    private readonly logger: Logger,
    private readonly onClose: (outbox: ConnectionOutbox) => void = () => undefined,
  ) {
    socket.once('close', () => {
      this.closed = true;
      this.report(true);
      this.onClose(this);
    });
  }

  /** Whether the connection holds as many unsent events as it may. */
  get full(): boolean {
    return this.queued >= this.limits.maxQueuedEvents;
  }

  /** Whether the socket takes more events now (a closed socket takes anything: it discards it). */
  get writable(): boolean {
    return this.closed || this.socket.readyState !== OPEN || this.socket.bufferedAmount < this.limits.maxBufferedBytes;
  }

  /** Resolves once the socket's buffer is below the bound again (or the socket closed). */
  whenWritable(): Promise<void> {
    if (this.writable) return Promise.resolve();
    this.drained ??= new Promise<void>((resolve) => {
      // `ws` emits no drain event of its own; a short poll runs only while this connection is blocked.
      const timer = setInterval(() => {
        if (!this.writable) return;
        clearInterval(timer);
        this.drained = undefined;
        resolve();
      }, DRAIN_POLL_MS);
    });
    return this.drained;
  }

  /** Writes one message to the client; a socket no longer open takes nothing (graphql-ws's own rule). */
  send(message: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(message);
  }

  added(count = 1): void {
    this.queued += count;
  }

  removed(count = 1): void {
    this.queued -= count;
  }

  /** An event was given up: replaced by a newer one of its subscription (`conflated`), or not queued at all. */
  gaveUp(conflated: boolean): void {
    this.dropped += 1;
    this.unreported.dropped += 1;
    if (conflated) {
      this.conflated += 1;
      this.unreported.conflated += 1;
    }
    this.report(false);
  }

  /** One structured line per connection at most every few seconds, and a last one at close. */
  private report(final: boolean): void {
    if (this.unreported.dropped === 0) return;
    const now = Date.now();
    if (!final && now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn('slow graphql-ws client: events dropped', {
      client: this.client,
      dropped: this.unreported.dropped,
      conflated: this.unreported.conflated,
      droppedSinceConnect: this.dropped,
      queued: this.queued,
      bufferedBytes: this.socket.bufferedAmount,
    });
    this.unreported = { dropped: 0, conflated: 0 };
  }
}
