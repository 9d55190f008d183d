/**
 * Runs tasks that share a key one after the other, in this process; tasks of
 * different keys run side by side. A task runs after the one before it has
 * settled, whether that one succeeded or failed.
 */
export class OneAtATime {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly counts = new Map<string, number>();

  /** Tasks of `key` running or waiting to. */
  pending(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.counts.set(key, this.pending(key) + 1);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // The last of its key forgets it: the maps hold only keys with work waiting.
      if (this.tails.get(key) === tail) this.tails.delete(key);
      const left = this.pending(key) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    }
  }
}
