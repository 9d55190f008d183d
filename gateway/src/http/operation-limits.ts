import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GatewayConfig } from '../env';

/** graphql-armor's rules and plugins for the configured operation limits (depth, aliases, directives, cost). */
export function operationLimits(limits: GatewayConfig['limits'], production: boolean): ReturnType<ApolloArmor['protect']> {
  return new ApolloArmor({
    // A fragment is where its fields are written, not a level of its own (two named fragments made a depth-7 query 11).
    maxDepth: { n: limits.maxDepth, flattenFragments: true },
    // Every alias counts, `__typename`'s too (armor lets those through: 200 of them went past a limit of 15).
    maxAliases: { n: limits.maxAliases, allowList: [] },
    maxDirectives: { n: limits.maxDirectives },
    // The parser counts tokens itself (parseOptions in server.ts): armor's token plugin parses again in a hook
    // whose every throw, a plain syntax error included, becomes a 500.
    maxTokens: { enabled: false },
    costLimit: { maxCost: limits.maxCost, flattenFragments: true },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}
