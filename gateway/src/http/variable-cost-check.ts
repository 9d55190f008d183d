import { GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { GraphQLError, ValidationRule } from 'graphql';
import { variableCostErrors } from './variable-cost';

/** A check of an operation once it is known, before it is counted or run: throws the refusal. */
export type OperationCheck = (requestContext: GraphQLRequestContextDidResolveOperation<object>) => void;

/**
 * The cost limit for a page given in a variable (`first: $n`), which the document's validation
 * costed as one item: once the operation is known, it is costed with the request's variables and
 * refused as a document over the limit is (GRAPHQL_VALIDATION_FAILED, the status of a document
 * that never ran). Queries and mutations sent over the socket run through this pipeline too.
 */
export function variableCostCheck(limits: readonly ValidationRule[]): OperationCheck {
  return ({ schema, document, operation, request }) => {
    if (!operation) return;
    const [exceeded] = variableCostErrors(schema, document, operation, request.variables ?? {}, limits);
    if (exceeded) throw new GraphQLError(exceeded.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
  };
}
