import {
  ArgumentNode,
  DocumentNode,
  FieldNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLSchema,
  isListType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  TypeInfo,
  validate,
  ValidationRule,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { LARGEST_PAGE_SIZE } from '@herck/common';

/** What a list without `first` or `last` counts as in the cost limit: about a round's ticks. */
const UNPAGED_LIST_COST = 20;

/**
 * Runs the operation limits (graphql-armor's depth, cost, alias and directive
 * rules) ahead of GraphQL's own validation. A document over a limit is answered
 * with one error per exceeded limit and nothing else: `{ __typename @aa @aa … }`
 * would otherwise also collect an "Unknown directive" error per `@aa`, so the
 * limit meant to bound the work piles up a hundred errors instead.
 *
 * Directives are counted over the whole document (armor counts those of each
 * operation as it runs: on a second spread of one fragment, a variable's
 * definition or a fragment no operation uses, a hundred went past it).
 *
 * Apollo Server runs this rule after the specified ones, but a rule is built
 * before the document is walked, so errors reported here come first.
 */
export function operationLimitsRule(limits: readonly ValidationRule[], maxDirectives: number): ValidationRule {
  return (context) => {
    const document = context.getDocument();
    const directives = directiveCount(document);
    const exceeded =
      directives > maxDirectives
        ? [new GraphQLError(`Directives limit of ${maxDirectives} exceeded, found ${directives}.`)]
        : validate(context.getSchema(), forCosting(context.getSchema(), document), limits);
    if (exceeded.length === 0) return {};
    // Armor words every limit as a syntax error, but the document parsed fine.
    for (const error of exceeded) context.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
    // This context belongs to this one validation: whatever the other rules still find is noise next to the limit.
    context.reportError = () => undefined;
    return {};
  };
}

function directiveCount(document: DocumentNode): number {
  let count = 0;
  visit(document, {
    Directive() {
      count += 1;
    },
  });
  return count;
}

/**
 * The document as the cost limit should see it. The limit multiplies a list's cost by a `first`
 * (or `last`) written in the document:
 * - No list pages more than LARGEST_PAGE_SIZE, so a larger one is costed as that: `logs(first:
 *   100000)` then reaches the subgraph, which refuses the page size itself (BAD_USER_INPUT on
 *   `first`, as when the same number comes in a variable), instead of failing as a costly document.
 * - A list of objects without one (`marketSnapshot.ticks`, `GlobalMetrics.ticks`) is costed as
 *   UNPAGED_LIST_COST items: counted as one, `global { ticks { global { ticks … } } }` cost 188 and
 *   answered 3 MB. A connection's `edges` and `nodes` are its page, already counted by its `first`.
 */
function forCosting(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const paging = node.arguments?.find((argument) => argument.name.value === 'first' || argument.name.value === 'last');
        if (paging) {
          if (paging.value.kind !== Kind.INT || Number(paging.value.value) <= LARGEST_PAGE_SIZE) return undefined;
          return { ...node, arguments: node.arguments!.map((argument) => (argument === paging ? pageArgument(argument.name.value, LARGEST_PAGE_SIZE) : argument)) };
        }
        const type = typeInfo.getType();
        const parent = typeInfo.getParentType();
        if (!type || !isListType(getNullableType(type)) || !isComposite(getNamedType(type))) return undefined;
        if (parent?.name.endsWith('Connection') && (node.name.value === 'edges' || node.name.value === 'nodes')) return undefined;
        return { ...node, arguments: [...(node.arguments ?? []), pageArgument('first', UNPAGED_LIST_COST)] };
      },
    }),
  );
}

/** `first: size` (or `last`), as the cost limit reads a page written in the document. */
function pageArgument(name: string, size: number): ArgumentNode {
  return { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: name }, value: { kind: Kind.INT, value: String(size) } };
}

function isComposite(type: unknown): boolean {
  return isObjectType(type) || isInterfaceType(type) || isUnionType(type);
}
