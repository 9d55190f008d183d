import type { Operation, Schema } from '@apollo/federation-internals';
import * as operations from '@apollo/federation-internals/dist/operations';
import type { DefinitionNode, DocumentNode } from 'graphql';

type OperationFromDocument = typeof operations.operationFromDocument;

interface Built {
  definitions: readonly DefinitionNode[];
  operation: Operation;
}

/**
 * Apollo Gateway shapes every answer with federation's model of the operation, and builds that
 * model again from the parsed document on each request (`executeQueryPlan` calls
 * `operationFromDocument` with `validate: false`): a few percent of the gateway's CPU on a nested
 * query (bench:gateway). The parsed document is the same object for every request with the same
 * text (Apollo Server's document store, and our authorization's reduced documents, are cached),
 * so the model is built once per document and schema and reused; it is only read after it is
 * built. Only that call is served from here: the planner's own call (with validation) is made
 * once per plan and goes through unchanged.
 *
 * The function is replaced on federation's module, which Apollo Gateway reads at each call.
 */
export function reuseOperationsAcrossRequests(): void {
  const built: OperationFromDocument = operations.operationFromDocument;
  if ((built as { reusing?: boolean }).reusing) return;
  const bySchema = new WeakMap<Schema, WeakMap<DefinitionNode, Built>>();
  const reusing: OperationFromDocument = (schema, document, options) => {
    const first = document.definitions[0];
    if (options?.validate !== false || options.operationName !== undefined || !first) return built(schema, document, options);
    let byFirst = bySchema.get(schema);
    if (!byFirst) bySchema.set(schema, (byFirst = new WeakMap()));
    const known = byFirst.get(first);
    if (known && sameDefinitions(known.definitions, document)) return known.operation;
    const operation = built(schema, document, options);
    byFirst.set(first, { definitions: [...document.definitions], operation });
    return operation;
  };
  Object.assign(reusing, { reusing: true });
  (operations as { operationFromDocument: OperationFromDocument }).operationFromDocument = reusing;
}

function sameDefinitions(known: readonly DefinitionNode[], document: DocumentNode): boolean {
  const { definitions } = document;
  return known.length === definitions.length && known.every((definition, index) => definition === definitions[index]);
}
