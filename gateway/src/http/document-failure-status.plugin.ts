import { ApolloServerPlugin, BaseContext } from '@apollo/server';

const JSON_MEDIA_TYPE = 'application/json';
const GRAPHQL_RESPONSE_MEDIA_TYPE = 'application/graphql-response+json';

/**
 * The GraphQL-over-HTTP status of a document that never ran because it failed
 * to parse or to validate (the operation limits included): 400 when the answer
 * is `application/graphql-response+json`, 200 when it is `application/json`,
 * whose clients read the errors from the body of any well-formed request.
 * Apollo Server answers 400 to both. Every other answer keeps its status
 * (401 for a refused token, 400 for a malformed request, …).
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
          if (!documentRejected || !request.http) return;
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

/**
 * The client's preference between the two JSON media types, chosen as Apollo
 * Server's negotiator does: highest quality, then the most specific range,
 * then the range listed first, then application/json. No header means
 * application/json, as the GraphQL-over-HTTP spec says.
 */
function preferredMediaType(accept: string | undefined): string | undefined {
  if (!accept) return JSON_MEDIA_TYPE;
  const ranges = accept.split(',').map((entry, order) => {
    const [range = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return { range, q: quality === undefined ? 1 : Number(quality.slice(2)), order };
  });
  const candidates = [JSON_MEDIA_TYPE, GRAPHQL_RESPONSE_MEDIA_TYPE].flatMap((mediaType, index) => {
    const matches = ranges
      .map((range) => ({ ...range, specificity: specificity(range.range, mediaType) }))
      .filter((range) => range.specificity >= 0)
      .sort((a, b) => b.specificity - a.specificity || b.q - a.q || a.order - b.order);
    const best = matches[0];
    return best && best.q > 0 ? [{ mediaType, index, ...best }] : [];
  });
  candidates.sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.order - b.order || a.index - b.index);
  return candidates[0]?.mediaType;
}

/** 2 for the type itself, 1 for `application/*`, 0 for `*\/*`, -1 when the range does not cover it. */
function specificity(range: string, mediaType: string): number {
  if (range === mediaType) return 2;
  if (range === 'application/*') return 1;
  return range === '*/*' ? 0 : -1;
}
