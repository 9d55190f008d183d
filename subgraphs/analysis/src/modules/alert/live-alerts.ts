import { Alert } from './alert.type';

type Listener = (alert: Alert) => void;

/**
 * How long, and how many, published alerts are kept for subscriptions the gateway resumes: after a
 * restart it reconnects within its backoff (10 s at most by default), and what this replica published
 * before then (the alerts of ticks that came while it was down, first of all) reached nobody.
 */
const RESUME_WINDOW_MS = 120_000;
const RESUME_BACKLOG = 10_000;
/** The most alerts a subscription holds unread (the gateway bounds what it sends on too). */
const QUEUE_BOUND = 1000;

/** Committed alerts, handed to the subscriptions of their owner on this replica. */
export class LiveAlerts {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** What was published lately, oldest first, with when. */
  private recent: { at: number; alert: Alert }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  publish(alert: Alert): void {
    const at = this.now();
    this.recent.push({ at, alert });
    const kept = this.recent.findIndex((entry) => entry.at >= at - RESUME_WINDOW_MS);
    const from = Math.max(kept, this.recent.length - RESUME_BACKLOG);
    if (from > 0) this.recent = this.recent.slice(from);
    for (const listener of this.listeners.get(alert.ownerId) ?? []) listener(alert);
  }

  /**
   * An owner's alerts as they come, until the iterator is returned (the subscription ends). A
   * subscription the gateway resumes (`resumedSince`: when it lost it) first gets what was published
   * since then, in order, each once: taken in the same step as the listener is added, nothing falls
   * between the two.
   */
  of(ownerId: string, resumedSince?: Date): AsyncIterableIterator<Alert> {
    const missed = resumedSince ? this.recent.filter((entry) => entry.alert.ownerId === ownerId && entry.at > resumedSince.getTime()).map((entry) => entry.alert) : [];
    const queue: Alert[] = missed.slice(-QUEUE_BOUND);
    let wake: (() => void) | undefined;
    let done = false;
    const listener: Listener = (alert) => {
      // A consumer that never reads keeps a bounded backlog.
      if (queue.length < QUEUE_BOUND) queue.push(alert);
      wake?.();
    };
    if (!this.listeners.has(ownerId)) this.listeners.set(ownerId, new Set());
    this.listeners.get(ownerId)!.add(listener);
    const finish = () => {
      done = true;
      this.listeners.get(ownerId)?.delete(listener);
      if (!this.listeners.get(ownerId)?.size) this.listeners.delete(ownerId);
      wake?.();
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (!queue.length && !done) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (queue.length) return { value: queue.shift()!, done: false };
        return { value: undefined, done: true };
      },
      async return() {
        finish();
        return { value: undefined, done: true };
      },
    };
  }
}
