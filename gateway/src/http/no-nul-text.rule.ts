import { GraphQLError, ValidationRule } from 'graphql';

/** The NUL character, which PostgreSQL's text cannot hold. */
const NUL = '\u0000';

/**
 * Refuses text written in the document with a NUL character in it (`"a\u0000b"`):
 * GraphQL and JSON allow it, PostgreSQL's text does not, and a subgraph storing
 * or searching it failed with an internal error. Variables are checked with the
 * others (`variableErrors`).
 */
export const noNulTextRule: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.includes(NUL)) context.reportError(new GraphQLError('Text may not contain the NUL character (U+0000)', { nodes: node }));
  },
});

/** The path (input field names and list indexes) of the first text holding a NUL character in `value`, if any. */
export function nulTextPath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulTextPath(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nulTextPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
