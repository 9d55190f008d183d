import { ExecutionResult } from 'graphql-ws';
import { ConnectionOutbox } from './connection-outbox';
import { Conflate } from './tick-conflation';

/**
 * One client subscription's outgoing events, as the async iterator graphql-ws
 * drains (it sends one event and waits for the socket to take it before asking
 * for the next). Pushed to by the shared subscription; `return()` (client
 * completes or disconnects) detaches it.
 *
 * Bounded for slow consumers: an event goes straight to graphql-ws when it
 * is waiting for one and the socket's own buffer is below its bound;
 * otherwise it waits here, counted against the connection's outbox. With the outbox full, a new event is merged into this
 * subscription's newest unsent one when the subscription conflates (ticks),
 * and dropped otherwise; either way the loss is counted.
 */
export class EventStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  /** graphql-ws waiting in `next()`: handed an event, or woken (undefined) to look at the queue again. */
  private waiting: ((handed: IteratorResult<ExecutionResult> | undefined) => void) | undefined;
  private ended = false;
  private detached = false;

  constructor(
    private readonly outbox: ConnectionOutbox,
    private readonly conflate: Conflate | undefined,
    private readonly onDetach: (stream: EventStream) => void,
  ) {}

  push(result: ExecutionResult): void {
    if (this.ended) return;
    if (this.waiting && this.queue.length === 0 && this.outbox.writable) {
      this.signal({ value: result, done: false });
      return;
    }
    if (!this.outbox.full) {
      this.queue.push(result);
      this.outbox.added();
    } else if (this.conflate && this.queue.length > 0) {
      const last = this.queue.length - 1;
      this.queue[last] = this.conflate(this.queue[last]!, result);
      this.outbox.gaveUp(true);
    } else {
      this.outbox.gaveUp(false);
      return;
    }
    this.signal();
  }

  /** No more events; what is queued is still delivered. */
  end(): void {
    this.ended = true;
    this.signal();
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.ended) return { value: undefined, done: true };
        const handed = await new Promise<IteratorResult<ExecutionResult> | undefined>((resolve) => (this.waiting = resolve));
        if (handed) return handed;
        continue;
      }
      if (!this.outbox.writable) {
        await this.outbox.whenWritable();
        continue;
      }
      const value = this.queue.shift()!;
      this.outbox.removed();
      return { value, done: false };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.outbox.removed(this.queue.length);
    this.queue.length = 0;
    this.end();
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

  private signal(handed?: IteratorResult<ExecutionResult>): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(handed);
  }
}
