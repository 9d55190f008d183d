import { EventStream } from './event-stream';

/**
 * The subscriptions one connection is running, by operation id, kept by the
 * gateway itself. A stream writes its events to the socket on its own, so
 * nothing may depend on graphql-ws remembering it: every stream ends when
 * graphql-ws completes its operation (and tells the client so) and when the
 * socket closes, and the connection's limit counts what really runs.
 */
export class ConnectionStreams {
  private readonly streams = new Map<string, { stream: EventStream; resumeKey?: string }>();

  /** Subscriptions running on the connection. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Registers the stream of operation `id` (operation ids are never reused: see OperationIds), and
   * what a subscription resuming it would have in common with it (see ResumeCredits), if anything.
   */
  add(id: string, stream: EventStream, resumeKey?: string): void {
    const entry = { stream, resumeKey };
    this.streams.set(id, entry);
    // At once, not a few microtasks later: a client at the limit that completes one operation and
    // starts another in the same breath must find the slot free.
    stream.onFinished(() => {
      if (this.streams.get(id) === entry) this.streams.delete(id);
    });
  }

  /** The resume keys of the subscriptions running now, one per subscription. */
  resumeKeys(): string[] {
    return [...this.streams.values()].flatMap(({ resumeKey }) => (resumeKey === undefined ? [] : [resumeKey]));
  }

  /** graphql-ws completed `id` (told the client so, or the client itself completed it): nothing more may be sent under it. */
  completed(id: string): void {
    void this.streams.get(id)?.stream.return();
  }

  /** The socket closed: every stream ends and leaves its shared subscription. */
  closeAll(): void {
    for (const { stream } of [...this.streams.values()]) void stream.return();
    this.streams.clear();
  }
}
