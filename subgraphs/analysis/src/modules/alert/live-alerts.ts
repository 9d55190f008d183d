import { Alert } from './alert.type';

type Listener = (alert: Alert) => void;

/** Committed alerts, handed to the subscriptions of their owner on this replica. */
export class LiveAlerts {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(alert: Alert): void {
    for (const listener of this.listeners.get(alert.ownerId) ?? []) listener(alert);
  }

  /** An owner's alerts as they come, until the iterator is returned (the subscription ends). */
  of(ownerId: string): AsyncIterableIterator<Alert> {
    const queue: Alert[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const listener: Listener = (alert) => {
      // A consumer that never reads keeps a bounded backlog (the gateway bounds what it sends on too).
      if (queue.length < 1000) queue.push(alert);
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
