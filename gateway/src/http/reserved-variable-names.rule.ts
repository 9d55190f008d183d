import { GraphQLError, ValidationRule } from 'graphql';

/**
 * Refuses variables whose name begins with "__", as GraphQL reserves such names elsewhere. Passed
 * on as object keys, `$__proto__` became an object's prototype instead of its value: the subgraph
 * got no value (over HTTP) or an empty object (over the socket) and the client an internal error.
 */
export const reservedVariableNamesRule: ValidationRule = (context) => ({
  VariableDefinition(node) {
    const name = node.variable.name.value;
    if (name.startsWith('__')) context.reportError(new GraphQLError(`Variable "$${name}": names beginning with "__" are reserved.`, { nodes: node }));
  },
});
