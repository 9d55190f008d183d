import { setMaxListeners } from 'node:events';
import { ClientGoneError } from '@herck/common';

/**
 * The queries and mutations one connection is running, by operation id, each
 * with a signal that aborts once its client no longer waits for the answer (it
 * sent `complete` for it, or the socket closed): the reads it makes from
 * subgraphs are given up, as over HTTP (clientGoneSignal), so a backtest asked
 * over the socket stops with it. Mutations' fetches ignore the signal.
 */
export class ConnectionQueries {
  private readonly running = new Map<string, AbortController>();

  /** The signal of operation `id`, until `ended(id)`. */
  start(id: string): AbortSignal {
    const controller = new AbortController();
    // One listener per subgraph fetch under way (each alias of a backtest): more than ten is no leak.
    setMaxListeners(0, controller.signal);
    this.running.set(id, controller);
    return controller.signal;
  }

  /** Operation `id` has its answer. */
  ended(id: string): void {
    this.running.delete(id);
  }

  /** The client completed operation `id` before its answer: nobody waits for it any more. */
  cancelled(id: string): void {
    const controller = this.running.get(id);
    this.running.delete(id);
    controller?.abort(new ClientGoneError());
  }

  /** The socket closed: every operation still running is given up. */
  closeAll(): void {
    const controllers = [...this.running.values()];
    this.running.clear();
    for (const controller of controllers) controller.abort(new ClientGoneError());
  }
}
