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
  const controller = new AbortController();
  // One listener per piece of work of the request under way (each subgraph fetch, each backtest of
  // a query's aliases), each removed when it ends: more than ten is no leak, and not to be warned of.
  setMaxListeners(0, controller.signal);
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new ClientGoneError());
  });
  return controller.signal;
}
