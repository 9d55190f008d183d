import { GraphQLError, ValidationRule } from 'graphql';
import { unstorableText } from '@herck/common';

/**
 * Refuses text written in the document that no store can hold (`"a\u0000b"`; graphql-js's parser
 * already refuses unpaired surrogates there). Variables are checked with the others (`variableErrors`).
 */
export const storableTextRule: ValidationRule = (context) => ({
  StringValue(node) {
    const reason = unstorableText(node.value);
    if (reason) context.reportError(new GraphQLError(`Text ${reason}`, { nodes: node }));
  },
});

/** The first text in `value` that no store can hold: its path (input field names and list indexes) and why. */
export function unstorableTextIn(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; reason: string } | null {
  if (typeof value === 'string') {
    const reason = unstorableText(value);
    return reason ? { path, reason } : null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextIn(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = unstorableTextIn(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
