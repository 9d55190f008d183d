import { BREAK, DocumentNode, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, validate, ValidationRule, visit } from 'graphql';
import { forCosting, VariableValues } from './operation-limits.rule';

/** Whether a `first` or `last` in the document is given by a variable (per parsed document: Apollo Server keeps one per query). */
const pagedByVariables = new WeakMap<DocumentNode, boolean>();

/**
 * The operation limits' errors for this request's variables: a `first: $n` is costed as the page
 * `$n` asks for, which the document's validation could not know (it counted one item, and a page of
 * 1,000 pages went through as a variable). Empty when no page comes from a variable.
 */
export function variableCostErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: VariableValues,
  limits: readonly ValidationRule[],
): GraphQLError[] {
  let paged = pagedByVariables.get(document);
  if (paged === undefined) {
    paged = false;
    visit(document, {
      Argument(node) {
        if ((node.name.value !== 'first' && node.name.value !== 'last') || node.value.kind !== Kind.VARIABLE) return undefined;
        paged = true;
        return BREAK;
      },
    });
    pagedByVariables.set(document, paged);
  }
  if (!paged) return [];
  // The operation that runs, not the others beside it in the document (these variables are not theirs).
  const running = { ...document, definitions: document.definitions.filter((definition) => definition.kind !== Kind.OPERATION_DEFINITION || definition === operation) };
  return validate(schema, forCosting(schema, running, variables), limits).map((error) => new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
}
