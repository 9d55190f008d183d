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
