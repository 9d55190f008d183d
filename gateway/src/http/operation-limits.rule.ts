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
  ValueNode,
  valueFromASTUntyped,
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
 * - A paged field without one is costed as the page its list gives by default: counted as one item,
 *   `assets { nodes { candles(interval: M1) { nodes { … } } } }` fetched 10,000 candles.
 * - A `first` in a variable is costed as one item while the document is validated (its value is not
 *   known yet); with `variables`, as the page they ask for (see `variableCostErrors`).
 * - A list of objects without one (`marketSnapshot.ticks`, `GlobalMetrics.ticks`) is costed as
 *   UNPAGED_LIST_COST items: counted as one, `global { ticks { global { ticks … } } }` cost 188 and
 *   answered 3 MB. A connection's `edges` and `nodes` are its page, already counted by its `first`.
 */
export function forCosting(schema: GraphQLSchema, document: DocumentNode, variables?: VariableValues): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  const defaults = variables && variableDefaults(document);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const paging = node.arguments?.find((argument) => argument.name.value === 'first' || argument.name.value === 'last');
        const defaultPage = typeInfo.getFieldDef()?.args.find((argument) => argument.name === 'first')?.defaultValue;
        if (paging) {
          const size = pageSize(paging.value, variables, defaults, defaultPage);
          if (size === undefined || (paging.value.kind === Kind.INT && size <= LARGEST_PAGE_SIZE)) return undefined;
          return withPage(node, paging.name.value, size);
        }
        if (typeof defaultPage === 'number') return withPage(node, 'first', defaultPage);
        const type = typeInfo.getType();
        const parent = typeInfo.getParentType();
        if (!type || !isListType(getNullableType(type)) || !isComposite(getNamedType(type))) return undefined;
        if (parent?.name.endsWith('Connection') && (node.name.value === 'edges' || node.name.value === 'nodes')) return undefined;
        return withPage(node, 'first', UNPAGED_LIST_COST);
      },
    }),
  );
}

export type VariableValues = Readonly<Record<string, unknown>>;

/**
 * The page a `first` or `last` asks for: written in the document, or (with `variables`) given by
 * its variable, the variable's default or, left null, the field's default. Undefined when it is
 * not known here (a variable while the document is validated, a value coercion will refuse).
 */
function pageSize(value: ValueNode, variables: VariableValues | undefined, defaults: VariableValues | undefined, fieldDefault: unknown): number | undefined {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.NULL) return typeof fieldDefault === 'number' ? fieldDefault : undefined;
  if (value.kind !== Kind.VARIABLE || !variables) return undefined;
  const name = value.name.value;
  const given = Object.hasOwn(variables, name) ? variables[name] : defaults?.[name];
  const size = given ?? fieldDefault;
  return Number.isSafeInteger(size) ? (size as number) : undefined;
}

/** The field with its page argument set to `size` (at most LARGEST_PAGE_SIZE), as the cost limit reads one. */
function withPage(node: FieldNode, name: string, size: number): FieldNode {
  const page = pageArgument(name, Math.min(size, LARGEST_PAGE_SIZE));
  return { ...node, arguments: [...(node.arguments ?? []).filter((argument) => argument.name.value !== name), page] };
}

/** Each variable's default written in the document (only constant values can be: no variables in them). */
function variableDefaults(document: DocumentNode): VariableValues {
  const defaults: Record<string, unknown> = Object.create(null);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) if (variable.defaultValue) defaults[variable.variable.name.value] = valueFromASTUntyped(variable.defaultValue);
  }
  return defaults;
}

/** `first: size` (or `last`), as the cost limit reads a page written in the document. */
function pageArgument(name: string, size: number): ArgumentNode {
  return { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: name }, value: { kind: Kind.INT, value: String(size) } };
}

function isComposite(type: unknown): boolean {
  return isObjectType(type) || isInterfaceType(type) || isUnionType(type);
}
