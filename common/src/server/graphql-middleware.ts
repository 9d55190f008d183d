import { ApolloServer, BaseContext, HeaderMap } from '@apollo/server';
import { markAnsweredByGraphql } from './refused-request-log';
import { PlainHandler, PlainRequest, PlainResponse } from './plain-http';

/**
 * Hands a parsed request to Apollo Server and writes its answer: what
 * `@as-integrations/express5` does, without Express's `res.send`, which hashes
 * every answer for an ETag and checks request freshness (a GraphQL POST has no
 * use for either), and without a legacy URL parse per request.
 */
export function graphqlMiddleware<TContext extends BaseContext>(apollo: ApolloServer<TContext>, context: (req: PlainRequest, res: PlainResponse) => Promise<TContext>): PlainHandler {
  return async (req, res) => {
    markAnsweredByGraphql(res.locals);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: queryStart >= 0 ? url.slice(queryStart) : '', body: req.body },
      context: () => context(req, res),
    });
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(answer.body.string));
      res.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
