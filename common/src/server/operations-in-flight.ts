import { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * Counts the operations between their start and their answer. Stopping the
 * HTTP server waits for connections, not for operations: a client that hung
 * up leaves its operation running, still fetching from subgraphs or the store.
 * A service's stop waits for the count to reach zero before it closes what
 * those operations use.
 */
export class OperationsInFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
    return {
      requestDidStart: async () => {
        this.count += 1;
        let ended = false;
        return {
          willSendResponse: async () => {
            if (ended) return;
            ended = true;
            this.count -= 1;
            if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
          },
        };
      },
    };
  }

  /** Resolves once no operation is running, or after `timeoutMs` whatever is still running. */
  async settled(timeoutMs: number): Promise<void> {
    if (this.count === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
