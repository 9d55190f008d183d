import { ApolloServerPlugin } from '@apollo/server';
import { Kind, OperationDefinitionNode } from 'graphql';
import { GatewayContext } from '../auth/authorizing-gateway';
import type { OperationCheck } from '../http/variable-cost-check';
import { OperationRateLimits, rateLimitedError, rateLimitHeaders, RateLimitState } from './operation-rate-limits';

/** Sign-in has a throttle of its own (per account and client, in auth): it does not spend the operation budget. */
const OWN_THROTTLE = new Set(['login']);

export function spendsBudget(operation: OperationDefinitionNode): boolean {
  return !operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && OWN_THROTTLE.has(selection.name.value));
}

/**
 * Each HTTP operation takes one from its caller's budget once it is known
 * which operation it is; past the limit it is refused with 429 and
 * RATE_LIMITED. Every counted answer says what is left (RateLimit-* headers).
 * `checksFirst` refuse an operation before it is counted, as validation
 * refuses a document before (Apollo Server runs every plugin's hook of a
 * stage at once: in hooks of their own they could not go first).
 */
export function rateLimitPlugin(limits: OperationRateLimits, checksFirst: readonly OperationCheck[] = []): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let state: RateLimitState | null = null;
      return {
        async didResolveOperation(requestContext) {
          for (const check of checksFirst) check(requestContext);
          const { contextValue, operation } = requestContext;
          if (!operation || !spendsBudget(operation)) return;
          const outcome = await limits.take(contextValue.identity, contextValue.client);
          if (!outcome.allowed) throw rateLimitedError(outcome);
          state = outcome.state;
        },
        async willSendResponse({ response }) {
          if (!state) return;
          for (const [name, value] of rateLimitHeaders(state)) response.http.headers.set(name, value);
        },
      };
    },
  };
}
