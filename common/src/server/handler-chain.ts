import { NextHandler, PlainErrorHandler, PlainHandler, PlainRequest, PlainResponse, sendJson } from './plain-http';

/**
 * Runs `handlers` in order on one request, as Express runs a route's: each calls `next()` to
 * go on or answers; `next(error)`, a throw or a rejected promise goes to `errorHandlers`
 * instead. A request no handler answered (the last called `next()`) is an error too; one
 * that no error handler answered gets what Express's final handler gives: a 500, or, with
 * the answer already begun, its connection closed.
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
    if (handler) settle(() => handler(error, req, res, failed));
    else if (res.headersSent) res.destroy();
    else sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
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
