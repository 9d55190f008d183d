import { ExecutionResult } from 'graphql-ws';

/**
 * One client subscription's outgoing events, as the async iterator graphql-ws
 * drains. Pushed to by the shared subscription; `return()` (client completes
 * or disconnects) detaches it.
 *
 * The queue is unbounded for now: a bounded queue with per-symbol conflation
 * for slow consumers belongs here.
 */
export class EventStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private ended = false;
  private detached = false;

  constructor(private readonly onDetach: (stream: EventStream) => void) {}

  push(result: ExecutionResult): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: result, done: false });
    } else {
      this.queue.push(result);
    }
  }

  /** No more events; what is queued is still delivered. */
  end(): void {
    this.ended = true;
    if (this.waiting && this.queue.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
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
}
