import { setMaxListeners } from 'node:events';
import { ServerResponse } from 'node:http';

/** The reason a request's signal aborts with (see clientGoneSignal). */
export class ClientGoneError extends Error {
  constructor() {
    super('The client went away before its answer was sent');
    this.name = 'ClientGoneError';
  }
}

/**
 * A signal that aborts when the response's connection closes before the answer was sent in full:
 * its client went away, and work done only for that answer (a backtest, say) may stop. A response
 * sent in full closes too, without aborting it. Read `res`'s close, not the request's: a request's
 * stream closes as soon as its body has been read.
 */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const gone = new ClientGone();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** A signal for work done for one client's answer, aborted (with ClientGoneError) when that client stops waiting. */
export class ClientGone {
  private readonly controller = new AbortController();

  constructor() {
    // One listener per piece of work under way for the answer (each subgraph fetch, each backtest of
    // a query's aliases), each removed when it ends: more than ten is no leak, and not to be warned of.
    setMaxListeners(0, this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(): void {
    this.controller.abort(new ClientGoneError());
  }
}

/**
 * Whether `error` is a ClientGoneError, or a GraphQL error around one (what a resolver threw, as
 * Apollo Server hands it to plugins): work given up for a client that left, not a failure of the server.
 * By name: an error from another realm (a thread's, Jest's) is not an instance of this class.
 */
export function isClientGone(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { originalError?: unknown }).originalError, depth += 1) {
    if ((current as { name?: unknown }).name === 'ClientGoneError') return true;
  }
  return false;
}
