import { ArgumentNode, DocumentNode, GraphQLError, Kind, validate, ValidationRule, visit } from 'graphql';
import { LARGEST_PAGE_SIZE } from '@herck/common';

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
    const exceeded = validate(context.getSchema(), withPagesAtMost(context.getDocument(), LARGEST_PAGE_SIZE), limits);
    if (exceeded.length === 0) return {};
    // Armor words every limit as a syntax error, but the document parsed fine.
    for (const error of exceeded) context.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
    // This context belongs to this one validation: whatever the other rules still find is noise next to the limit.
    context.reportError = () => undefined;
    return {};
  };
}

/**
 * The cost limit multiplies a list's cost by a `first` (or `last`) written in the document.
 * No list pages more than `largest`, so a larger one is costed as that: `logs(first: 100000)`
 * then reaches the subgraph, which refuses the page size itself (BAD_USER_INPUT on `first`,
 * as when the same number comes in a variable), instead of failing as a costly document.
 */
function withPagesAtMost(document: DocumentNode, largest: number): DocumentNode {
  return visit(document, {
    Argument(node: ArgumentNode) {
      const paging = node.name.value === 'first' || node.name.value === 'last';
      if (!paging || node.value.kind !== Kind.INT || Number(node.value.value) <= largest) return undefined;
      return { ...node, value: { ...node.value, value: String(largest) } };
    },
  });
}
