import { DocumentNode, getOperationAST, OperationTypeNode, parse } from 'graphql';
import { answerRequestError, PlainHandler, queryParameters, requestHeader } from '@herck/common';
import { subscriptionRootDirectiveProblem } from './subscription-root-directives';

/**
 * Refuses a subscription sent over HTTP (POST or GET) before Apollo Server sees
 * it: subscriptions are served over WebSocket on the same URL. Before, because
 * graphql-js's SingleFieldSubscriptionsRule throws during validation on
 * `@include(if: $x)` at a subscription's root (it decides directives without
 * the variables), which Apollo Server answers with a 500 (a document holding such a
 * subscription beside the query asked for is refused as invalid here, for the same
 * reason). A request error like
 * any other (`answerRequestError`: 400, or 200 in application/json). Only
 * documents that mention `subscription` are parsed here; a document that does
 * not parse is left to Apollo Server, which says why.
 */
export function subscriptionsOverHttp(maxTokens: number): PlainHandler {
  return (req, res, next) => {
    const { query, operationName } = (req.method === 'GET' ? queryParameters(req) : req.body ?? {}) as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string' || !query.includes('subscription')) return next();
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens });
    } catch {
      return next();
    }
    const operation = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
    if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
      return answerRequestError(res, requestHeader(req, 'accept'), 'Subscriptions are served over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on this same URL');
    }
    // A query or mutation beside such a subscription: the document would not get through validation alive.
    const problem = subscriptionRootDirectiveProblem(document);
    if (problem) return answerRequestError(res, requestHeader(req, 'accept'), problem, { code: 'GRAPHQL_VALIDATION_FAILED' });
    next();
  };
}
