import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GRAPHQL_RESPONSE_MEDIA_TYPE, preferredMediaType } from '@herck/common';

/**
 * The GraphQL-over-HTTP status of a document that never ran: it failed to parse
 * or to validate (the operation limits included), or was refused before
 * execution with status 400 and no data (variables that could not be coerced,
 * an operationName the document lacks): 400 when the
 * answer is `application/graphql-response+json`, 200 when it is
 * `application/json`, whose clients read the errors from the body of any
 * well-formed request. Apollo Server answers 400 to both. Every other answer
 * keeps its status (401 for a refused token, 429, …); malformed requests never
 * get this far (see `wellFormedRequests` in common), and are answered by the
 * same rule.
 */
export function documentFailureStatusPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let documentRejected = false;
      return {
        async parsingDidStart() {
          return async (error) => {
            documentRejected ||= error !== undefined;
          };
        },
        async validationDidStart() {
          return async (errors) => {
            documentRejected ||= (errors?.length ?? 0) > 0;
          };
        },
        async willSendResponse({ request, response }) {
          const refusedBeforeExecution = response.http.status === 400 && response.body.kind === 'single' && response.body.singleResult.data === undefined;
          if (!(documentRejected || refusedBeforeExecution) || !request.http) return;
          const mediaType = preferredMediaType(request.http.headers.get('accept'));
          // Neither is acceptable: Apollo Server answers 406 when it finds no content type set.
          if (!mediaType) return;
          response.http.status = mediaType === GRAPHQL_RESPONSE_MEDIA_TYPE ? 400 : 200;
          // Set here so the type the status was chosen for is the type sent.
          response.http.headers.set('content-type', `${mediaType}; charset=utf-8`);
        },
      };
    },
  };
}
