import { ExecutionResult } from 'graphql-ws';
import { ConnectionOutbox } from './connection-outbox';
import { Conflate } from './tick-conflation';

/**
 * One event of a shared subscription, serialized once however many clients
 * receive it: a round sent to a thousand sockets is one `JSON.stringify`, not
 * a thousand.
 */
export class SharedEvent {
  private json: string | undefined;

  constructor(readonly result: ExecutionResult) {}

  /** The `payload` of graphql-ws's `next` message, as graphql-ws writes it (errors through their `toJSON`). */
  get payload(): string {
    return (this.json ??= JSON.stringify(this.result));
  }
}

/**
 * One client subscription's outgoing events. Pushed to by the shared
 * subscription, it writes each event's `next` message to the client's socket
 * itself, the shared serialization behind a per-subscription prefix;
 * graphql-ws only sees an iterator that ends when the subscription does
 * (and then sends `complete`), and `return()` (the client completes or
 * disconnects) detaches it.
 *
 * Bounded for slow consumers: an event is written at once while nothing of
 * this subscription waits and the socket's own buffer is below its bound;
 * otherwise it waits here, counted against the connection's outbox, and is
 * written when the socket drains. With the outbox full, a new event is merged
 * into this subscription's newest unsent one when the subscription conflates
 * (ticks), or, when none waits, queued in the one place each conflating
 * subscription may hold past the bound (so it always ends with the newest
 * round); a subscription that does not conflate drops it. Losses are counted.
 */
export class EventStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: SharedEvent[] = [];
  /** `{"id":…,"type":"next","payload":` — what precedes every event's payload on this subscription. */
  private readonly messageStart: string;
  private ended = false;
  private detached = false;
  private flushing = false;
  private done = false;
  private resolveFinished: () => void = () => undefined;
  private readonly finished = new Promise<IteratorResult<ExecutionResult>>((resolve) => (this.resolveFinished = () => resolve({ value: undefined, done: true })));
  private readonly finishListeners: (() => void)[] = [];

  constructor(
    subscriptionId: string,
    private readonly outbox: ConnectionOutbox,
    private readonly conflate: Conflate | undefined,
    private readonly onDetach: (stream: EventStream) => void,
  ) {
    this.messageStart = `{"id":${JSON.stringify(subscriptionId)},"type":"next","payload":`;
  }

  push(event: SharedEvent): void {
    if (this.ended) return;
    if (this.queue.length === 0 && !this.flushing && this.outbox.writable) {
      this.write(event);
      return;
    }
    if (!this.outbox.full) {
      this.queue.push(event);
      this.outbox.added();
    } else if (this.conflate && this.queue.length > 0) {
      const last = this.queue.length - 1;
      this.queue[last] = new SharedEvent(this.conflate(this.queue[last]!.result, event.result));
      this.outbox.gaveUp(true);
    } else if (this.conflate) {
      // Nothing of this subscription waits: its newest event takes the one place each conflating
      // subscription may hold past the bound (dropped, the client would read a stale round on resuming).
      this.queue.push(event);
      this.outbox.added();
    } else {
      this.outbox.gaveUp(false);
      return;
    }
    void this.flush();
  }

  /**
   * No more events; what is queued is still delivered before graphql-ws sends `complete`, and
   * so is `last` (the error that ends the subscription), whatever the bound: it is the client's
   * only word of why the subscription ended.
   */
  end(last?: SharedEvent): void {
    if (this.ended) return;
    if (last) {
      if (this.queue.length === 0 && !this.flushing && this.outbox.writable) this.write(last);
      else {
        this.queue.push(last);
        this.outbox.added();
        void this.flush();
      }
    }
    this.ended = true;
    if (!this.flushing && this.queue.length === 0) this.finish();
  }

  /**
   * Calls `listener` at once, in the same turn, when the stream has ended and written what it
   * holds or its client left: a count of running streams is then right before the next message.
   */
  onFinished(listener: () => void): void {
    if (this.done) listener();
    else this.finishListeners.push(listener);
  }

  /** graphql-ws waits here for the subscription's end: every event went to the socket directly. */
  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.finished;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.outbox.removed(this.queue.length);
    this.queue.length = 0;
    this.ended = true;
    this.finish();
    if (!this.detached) {
      this.detached = true;
      this.onDetach(this);
    }
    return { value: undefined, done: true };
  }

  async throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Writes what waits, in order, as the socket drains. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        await this.outbox.whenWritable();
        const event = this.queue.shift();
        if (!event) break;
        this.outbox.removed();
        this.write(event);
      }
    } finally {
      this.flushing = false;
      if (this.ended) this.finish();
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.resolveFinished();
    for (const listener of this.finishListeners.splice(0)) listener();
  }

  private write(event: SharedEvent): void {
    this.outbox.send(`${this.messageStart}${event.payload}}`);
  }
}
