import { NextHandler, PlainErrorHandler, PlainHandler, PlainRequest, PlainResponse } from './plain-http';
import { answerRouteError } from './route-error';

/**
 * Runs `handlers` in order on one request, as Express runs a route's: each calls `next()` to
 * go on or answers; `next(error)`, a throw or a rejected promise goes to `errorHandlers`
 * instead, and an error handler's `next()` without an error goes back to the handlers. The
 * last handler must answer (a `next()` from it is an error). What no error handler answers
 * gets a JSON 500 (Express's final handler writes an HTML one), or, with the answer already
 * begun, its connection closed, as Express does.
 */
export function runHandlers(handlers: readonly PlainHandler[], errorHandlers: readonly PlainErrorHandler[], req: PlainRequest, res: PlainResponse): void {
  let index = 0;
  let errorIndex = 0;
  const next: NextHandler = (error?: unknown) => {
    // As Express: a falsy value is no error.
    if (error) return failed(error);
    const handler = handlers[index++];
    if (handler) settle(() => handler(req, res, next));
    else failed(new Error('No handler answered the request'));
  };
  const failed = (error: unknown) => {
    const handler = errorHandlers[errorIndex++];
    if (handler) settle(() => handler(error, req, res, next));
    else if (res.headersSent) res.destroy();
    else answerRouteError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
  const settle = (call: () => void | Promise<void>) => {
    try {
      const result = call();
      // Any thenable, as Express's router takes one: an async handler's promise may come from another realm.
      if (typeof result?.then === 'function') result.then(undefined, (error: unknown) => failed(error ?? new Error('Rejected without a reason')));
    } catch (error) {
      failed(error);
    }
  };
  next();
}
