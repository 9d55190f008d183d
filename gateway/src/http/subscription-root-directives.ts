import { DocumentNode, FragmentDefinitionNode, Kind, OperationDefinitionNode, OperationTypeNode, SelectionSetNode } from 'graphql';

/**
 * graphql-js's SingleFieldSubscriptionsRule collects a subscription's root
 * fields without variables, and `@include(if: $x)` or `@skip(if: $x)` there
 * makes it throw instead of reporting: Apollo Server answers the whole document
 * with a 500, whichever of its operations was asked for. The GraphQL
 * specification's draft forbids these directives at a subscription's root, so
 * such a document is refused as invalid before validation runs. Returns the
 * validation error's message, or null.
 */
export function subscriptionRootDirectiveProblem(document: DocumentNode): string | null {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  for (const operation of document.definitions) {
    if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== OperationTypeNode.SUBSCRIPTION) continue;
    if (usesSkipOrInclude(operation.selectionSet, fragments, new Set())) return `${nameOf(operation)} must not use @skip or @include in its top-level selection`;
  }
  return null;
}

function usesSkipOrInclude(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.some((directive) => directive.name.value === 'skip' || directive.name.value === 'include')) return true;
    // Fragments at the root hold root fields too (each fragment once: a cycle is validation's to report).
    if (selection.kind === Kind.INLINE_FRAGMENT && usesSkipOrInclude(selection.selectionSet, fragments, seen)) return true;
    if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment && usesSkipOrInclude(fragment.selectionSet, fragments, seen)) return true;
    }
  }
  return false;
}

function nameOf(operation: OperationDefinitionNode): string {
  return operation.name ? `Subscription "${operation.name.value}"` : 'An anonymous subscription';
}
