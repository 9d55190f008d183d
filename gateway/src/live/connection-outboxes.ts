import { Logger } from '@herck/common';
import { ConnectionOutbox, OutboxLimits, OutgoingSocket } from './connection-outbox';

/** The slow-consumer counters of the gateway's graphql-ws connections. */
export interface OutboxStats {
  /** Events queued unsent, over every connection. */
  queuedEvents: number;
  /** The most events any one connection holds unsent now (never above `WS_MAX_QUEUED_EVENTS`). */
  largestConnectionQueue: number;
  /** Events given up since start because a client did not read fast enough (conflated ones included). */
  droppedEvents: number;
  /** Of `droppedEvents`, ticks replaced by a newer event of the same subscription. */
  conflatedEvents: number;
}

/** Creates each connection's outbox and keeps the totals, closed connections' drops included. */
export class ConnectionOutboxes {
  private readonly outboxes = new Set<ConnectionOutbox>();
  private closedDrops = { dropped: 0, conflated: 0 };

  constructor(
    private readonly limits: OutboxLimits,
    private readonly logger: Logger,
  ) {}

  /** The outbox of a newly accepted socket; it forgets the socket when it closes. */
  open(socket: OutgoingSocket, client: string): ConnectionOutbox {
    const outbox = new ConnectionOutbox(socket, this.limits, client, this.logger, (closed) => {
      this.outboxes.delete(closed);
      this.closedDrops.dropped += closed.dropped;
      this.closedDrops.conflated += closed.conflated;
    });
    this.outboxes.add(outbox);
    return outbox;
  }

  stats(): OutboxStats {
    const stats: OutboxStats = { queuedEvents: 0, largestConnectionQueue: 0, droppedEvents: this.closedDrops.dropped, conflatedEvents: this.closedDrops.conflated };
    for (const outbox of this.outboxes) {
      stats.queuedEvents += outbox.queued;
      stats.largestConnectionQueue = Math.max(stats.largestConnectionQueue, outbox.queued);
      stats.droppedEvents += outbox.dropped;
      stats.conflatedEvents += outbox.conflated;
    }
    return stats;
  }
}
