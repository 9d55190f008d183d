import { GraphQLError, validate, ValidationRule } from 'graphql';

/**
 * Runs the operation limits (graphql-armor's depth, cost, alias and directive
 * rules) ahead of GraphQL's own validation. A document over a limit is answered
 * with one error per exceeded limit and nothing else: `{ __typename @aa @aa … }`
 * would otherwise also collect an "Unknown directive" error per `@aa`, so the
 * limit meant to bound the work piles up a hundred errors instead.
 *
 * Apollo Server runs this rule after the specified ones, but a rule is built
 * before the document is walked, so errors reported here come first.
 */
export function operationLimitsRule(limits: readonly ValidationRule[]): ValidationRule {
  return (context) => {
    const exceeded = validate(context.getSchema(), context.getDocument(), limits);
    if (exceeded.length === 0) return {};
    // Armor words every limit as a syntax error, but the document parsed fine.
    for (const error of exceeded) context.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
    // This context belongs to this one validation: whatever the other rules still find is noise next to the limit.
    context.reportError = () => undefined;
    return {};
  };
}
