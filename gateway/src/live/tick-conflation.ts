import { DocumentNode, FieldNode, FragmentDefinitionNode, getOperationAST, Kind, SelectionSetNode } from 'graphql';
import { ExecutionResult } from 'graphql-ws';

/** Merges an unsent event with a newer one of the same subscription into the one event to send instead. */
export type Conflate = (older: ExecutionResult, newer: ExecutionResult) => ExecutionResult;

/** Subscription fields whose events may be merged, and the field that names an item's identity. */
const CONFLATABLE: Record<string, string> = { ticks: 'symbol' };

/**
 * How a subscription's events are conflated when its client falls behind, or
 * undefined when they must not be (each one matters, e.g. a candle's close).
 *
 * Ticks are: only the newest price of a symbol is worth sending. When the
 * selection includes `symbol`, an older event's ticks of symbols the newer one
 * lacks are kept, so nothing but stale prices is lost; otherwise (or when
 * either event carries errors, whose paths index the list) the newer event
 * replaces the older one whole.
 */
export function conflationFor(document: DocumentNode, operationName: string | undefined): Conflate | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments = new Map(document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]));
  const [root] = fieldsOf(operation.selectionSet, fragments);
  if (!root) return undefined;
  const identity = CONFLATABLE[root.name.value];
  if (!identity) return undefined;
  const listKey = responseKey(root);
  const identityField = root.selectionSet && fieldsOf(root.selectionSet, fragments).find((field) => field.name.value === identity && !field.directives?.length);
  const itemKey = identityField && responseKey(identityField);
  return (older, newer) => {
    if (!itemKey || older.errors?.length || newer.errors?.length) return newer;
    const olderItems = older.data?.[listKey];
    const newerItems = newer.data?.[listKey];
    if (!Array.isArray(olderItems) || !Array.isArray(newerItems)) return newer;
    const fresh = new Set(newerItems.map((item) => keyOf(item, itemKey)));
    const kept = olderItems.filter((item) => !fresh.has(keyOf(item, itemKey)));
    if (kept.length === 0) return newer;
    return { ...newer, data: { ...newer.data, [listKey]: [...newerItems, ...kept] } };
  };
}

/**
 * The fields a selection set always selects, through fragments written inline or spread (as
 * clients such as Apollo Client write them). A fragment under @skip or @include may not be
 * there: its fields are left out, as if not asked for.
 */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, spread = new Set<string>()): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.directives?.length) return [];
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf(selection.selectionSet, fragments, spread);
    const fragment = fragments.get(selection.name.value);
    // Validation refuses cycles; the guard keeps a document that was not validated from looping.
    if (!fragment || spread.has(fragment.name.value)) return [];
    return fieldsOf(fragment.selectionSet, fragments, new Set([...spread, fragment.name.value]));
  });
}

function responseKey(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}

function keyOf(item: unknown, key: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : item;
}
