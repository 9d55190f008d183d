import http from 'node:http';
import { AddressInfo } from 'node:net';
import express from 'express';
import { GraphqlHttpService, Logger, PlainErrorHandler, PlainHandler, PlainRequest, PlainResponse, requestHeader, sendJson } from '../src';
import { runHandlers } from '../src/server/handler-chain';

const silent = new Logger('test', 'error', {}, () => undefined);

describe('runHandlers', () => {
  /** Runs the chain on a bare request and response; what each handler did, in order. */
  const run = async (handlers: PlainHandler[], errorHandlers: PlainErrorHandler[]) => {
    const res = { locals: {} } as unknown as PlainResponse;
    runHandlers(handlers, errorHandlers, {} as PlainRequest, res);
    // Rejections reach the error handlers a microtask later.
    await new Promise((resolve) => setImmediate(resolve));
    return res.locals;
  };
  const step =
    (name: string): PlainHandler =>
    (_req, res, next) => {
      res.locals[name] = Object.keys(res.locals).length;
      next();
    };
  const caught =
    (name: string): PlainErrorHandler =>
    (error, _req, res) => {
      res.locals[name] = (error as Error).message;
    };

  it('runs the handlers in order until one answers', async () => {
    const answering: PlainHandler = (_req, res) => void (res.locals.answered = true);
    expect(await run([step('a'), step('b'), answering, step('never')], [caught('error')])).toEqual({ a: 0, b: 1, answered: true });
  });

  it('goes to the error handlers on next(error), a throw or a rejection, and not to the handlers after', async () => {
    const failing: Record<string, PlainHandler> = {
      next: (_req, _res, next) => next(new Error('by next')),
      thrown: () => {
        throw new Error('thrown');
      },
      rejected: async () => Promise.reject(new Error('rejected')),
    };
    for (const [how, handler] of Object.entries(failing)) {
      const message = { next: 'by next', thrown: 'thrown', rejected: 'rejected' }[how];
      expect(await run([step('a'), handler, step('never')], [caught('error')])).toEqual({ a: 0, error: message });
    }
  });

  it('hands an error on from one error handler to the next, as Express does; a falsy next() is no error', async () => {
    const passing: PlainErrorHandler = (error, _req, res, next) => {
      res.locals.passed = true;
      next(error);
    };
    expect(await run([(_req, _res, next) => next(new Error('boom'))], [passing, caught('last')])).toEqual({ passed: true, last: 'boom' });
    const answering: PlainHandler = (_req, res) => void (res.locals.answered = true);
    expect(await run([(_req, _res, next) => next(null), step('after'), answering], [caught('error')])).toEqual({ after: 0, answered: true });
  });

  /** A response that records what was written, begun or not. */
  const recording = (headersSent: boolean) => {
    const written = { status: 0, body: '', destroyed: false };
    const res = {
      locals: {},
      headersSent,
      setHeader: () => undefined,
      set statusCode(status: number) {
        written.status = status;
      },
      end: (body: string) => void (written.body = body),
      destroy: () => void (written.destroyed = true),
    } as unknown as PlainResponse;
    return { res, written };
  };

  it('answers 500 when no error handler answers, and closes a connection whose answer had begun', async () => {
    const throwing: PlainErrorHandler = () => {
      throw new Error('the error handler failed');
    };
    const unanswered = recording(false);
    runHandlers([(_req, _res, next) => next(new Error('boom'))], [throwing], {} as PlainRequest, unanswered.res);
    expect(unanswered.written).toEqual({ status: 500, body: JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }), destroyed: false });
    const begun = recording(true);
    runHandlers([(_req, _res, next) => next(new Error('boom'))], [], {} as PlainRequest, begun.res);
    expect(begun.written).toEqual({ status: 0, body: '', destroyed: true });
  });

  it('goes back to the handlers when an error handler calls next() without an error, as Express does', async () => {
    const recovering: PlainErrorHandler = (_error, _req, res, next) => {
      res.locals.recovered = true;
      next();
    };
    const answering: PlainHandler = (_req, res) => void (res.locals.answered = true);
    expect(await run([(_req, _res, next) => next(new Error('boom')), answering], [recovering, caught('never')])).toEqual({ recovered: true, answered: true });
  });

  it('hands a request the last handler passed on to the error handlers', async () => {
    expect(await run([step('a')], [caught('error')])).toEqual({ a: 0, error: 'No handler answered the request' });
  });
});

describe('sendJson', () => {
  it('answers as Express’s res.status().type().json() does', async () => {
    const body = { errors: [{ message: 'é <b> "quoted"', extensions: { code: 'BAD_REQUEST' } }] };
    const app = express();
    app.set('etag', false);
    app.disable('x-powered-by');
    app.post('/', (_req, res) => void res.status(400).type('application/graphql-response+json').json(body));
    const servers = [http.createServer(app), http.createServer((_req, res) => sendJson(res, 400, body, 'application/graphql-response+json'))];
    const answers = [];
    for (const server of servers) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST' });
      const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
      answers.push({ status: response.status, headers, body: await response.text() });
      await new Promise((resolve) => server.close(resolve));
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
  });
});

describe('GraphqlHttpService: a POST to /graphql outside Express', () => {
  let service: GraphqlHttpService<{ caller: string }>;
  let url: string;
  /** Whether each context was made from Node's own request (not one Express reshaped). */
  const plainRequests: boolean[] = [];

  beforeAll(async () => {
    // A token check before GraphQL, as a subgraph's: its answer and what it leaves for the context.
    const tokenCheck: PlainHandler = (req, res, next) => {
      const token = requestHeader(req, 'x-token');
      if (token === 'throw') throw new Error('a check failed');
      if (token !== 'open') return sendJson(res, 401, { errors: [{ message: 'token required', extensions: { code: 'UNAUTHENTICATED' } }] });
      res.locals.caller = 'tested';
      next();
    };
    service = new GraphqlHttpService({
      logger: silent,
      apollo: { typeDefs: 'type Query { caller: String, fails: String }', resolvers: { Query: { caller: (_: unknown, __: unknown, context: { caller: string }) => context.caller, fails: () => Promise.reject(new Error('no')) } } },
      bodyLimit: '1kb',
      before: [tokenCheck],
      context: async (req, res) => {
        plainRequests.push(Object.getPrototypeOf(req) === http.IncomingMessage.prototype);
        return { caller: res.locals.caller as string };
      },
    });
    url = await service.listen(0, '127.0.0.1');
  });
  afterAll(() => service.stop());

  /** Status, headers (but the date and the request's own id) and body: a query string sends the same request through Express. */
  const answer = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(url.replace(/\/graphql$/, path), { method: 'POST', headers: { 'content-type': 'application/json', 'x-token': 'open', ...headers }, body });
    const answered = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'));
    return { status: response.status, headers: answered, body: await response.text(), requestId: response.headers.get('x-request-id') !== null };
  };

  it('is answered without Express, and as Express answers the same request', async () => {
    const requests: [string, Record<string, string>?][] = [
      [JSON.stringify({ query: '{ caller }' })],
      [JSON.stringify({ query: '{ caller fails }' })],
      [JSON.stringify({ query: '{ caller }' }), { 'x-token': 'wrong' }],
      [JSON.stringify({ query: '{ caller }' }), { 'x-token': 'throw' }],
      ['{"query":', {}],
      [JSON.stringify({ query: '{ caller }', variables: [] })],
      [JSON.stringify({ query: '{ caller }', variables: [] }), { accept: 'application/graphql-response+json' }],
      [JSON.stringify({ query: '{ unknownField }' }), { accept: 'application/graphql-response+json' }],
      [JSON.stringify({ query: `{ caller ${' '.repeat(2000)}}` })],
    ];
    for (const [body, headers] of requests) {
      plainRequests.length = 0;
      const plain = await answer('/graphql', body, headers);
      const viaExpress = await answer('/graphql?via=express', body, headers);
      expect({ request: body, ...plain }).toEqual({ request: body, ...viaExpress });
      expect(plain.requestId).toBe(true);
      // Requests that reach GraphQL: the first without Express, the second through it.
      if (plainRequests.length) expect(plainRequests).toEqual([true, false]);
    }
    expect(await answer('/graphql', JSON.stringify({ query: '{ caller }' }))).toMatchObject({ status: 200, body: '{"data":{"caller":"tested"}}\n' });
  });
});
