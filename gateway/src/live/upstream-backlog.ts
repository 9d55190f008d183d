import { ExecutionResult, FormattedExecutionResult } from 'graphql-ws';
import { Logger } from '@herck/common';
import { Conflate } from './tick-conflation';

/** An event as the subgraph sent it, before its query plan runs. */
export type UpstreamEvent = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** What a shared subscription's upstream said, in order: an event, or its end (with a last result when it failed). */
export type UpstreamItem = { event: UpstreamEvent } | { end: ExecutionResult | undefined };

/** Events waiting for their execution at most, per shared subscription. */
export const MAX_WAITING_EVENTS = 10;

/**
 * A shared subscription's upstream events that are not executed yet, executed one after the
 * other so that clients see them in the subgraph's order. While one event's query plan waits on
 * a slow subgraph (up to SUBGRAPH_TIMEOUT_MS), the rounds arriving meanwhile wait here, bounded:
 * an unbounded chain grew the gateway's memory for as long as the subgraph was slow, then sent
 * every old round in a burst once it answered. Ticks are conflated as a slow client's are (the
 * newest price of a symbol replaces one not executed yet); other events past the bound drop the
 * oldest waiting one. What is dropped is counted and logged. The end is never dropped.
 */
export class UpstreamBacklog {
  private readonly waiting: UpstreamItem[] = [];
  private running = false;
  private dropped = 0;

  constructor(
    private readonly run: (item: UpstreamItem) => Promise<void>,
    private readonly conflate: Conflate | undefined,
    private readonly subgraph: string,
    private readonly logger: Logger,
    private readonly maxWaiting = MAX_WAITING_EVENTS,
  ) {}

  push(item: UpstreamItem): void {
    const last = this.waiting.at(-1);
    if ('event' in item && last && 'event' in last && this.conflate) {
      last.event = this.conflate(last.event as ExecutionResult, item.event as ExecutionResult) as UpstreamEvent;
    } else {
      this.waiting.push(item);
      if (this.waiting.length > this.maxWaiting) this.dropOldestEvent();
    }
    if (!this.running) void this.drain();
  }

  private dropOldestEvent(): void {
    const oldest = this.waiting.findIndex((item) => 'event' in item);
    if (oldest < 0) return;
    this.waiting.splice(oldest, 1);
    if (this.dropped === 0) this.logger.warn('live events dropped: they wait on a slow subgraph', { subgraph: this.subgraph, waiting: this.maxWaiting });
    this.dropped += 1;
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let item = this.waiting.shift(); item; item = this.waiting.shift()) {
      try {
        await this.run(item);
      } catch (error) {
        this.logger.error('live event delivery failed', { error });
      }
    }
    this.running = false;
    if (this.dropped === 0) return;
    this.logger.warn('live events flow again after a slow subgraph', { subgraph: this.subgraph, dropped: this.dropped });
    this.dropped = 0;
  }
}
