import { ClientGone } from '@herck/common';

/**
 * The queries and mutations one connection is running, by operation id, each
 * with a signal that aborts once its client no longer waits for the answer (it
 * sent `complete` for it, or the socket closed): the reads it makes from
 * subgraphs are given up, as over HTTP (clientGoneSignal), so a backtest asked
 * over the socket stops with it. Mutations' fetches ignore the signal.
 */
export class ConnectionQueries {
  private readonly running = new Map<string, ClientGone>();

  /** The signal of operation `id`, until `ended(id)`. */
  start(id: string): AbortSignal {
    const gone = new ClientGone();
    this.running.set(id, gone);
    return gone.signal;
  }

  /** Operation `id` has its answer. */
  ended(id: string): void {
    this.running.delete(id);
  }

  /** The client completed operation `id` before its answer: nobody waits for it any more. */
  cancelled(id: string): void {
    const gone = this.running.get(id);
    this.running.delete(id);
    gone?.abort();
  }

  /** The socket closed: every operation still running is given up. */
  closeAll(): void {
    const operations = [...this.running.values()];
    this.running.clear();
    for (const gone of operations) gone.abort();
  }
}
