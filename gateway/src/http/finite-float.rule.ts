import { getNamedType, GraphQLError, GraphQLFloat, ValidationRule } from 'graphql';

/**
 * Refuses a Float written in the document beyond the largest double (`1e400`). graphql-js reads
 * it as Infinity and lets it through; the query planner then refuses it as no Float, and the
 * client got an internal error. A variable's Infinity (JSON reads `1e400` so too) is refused by
 * graphql-js's own coercion: this answers the literal as that does.
 */
export const finiteFloatRule: ValidationRule = (context) => ({
  FloatValue(node) {
    const type = context.getInputType();
    if (type && getNamedType(type) === GraphQLFloat && !Number.isFinite(Number(node.value))) {
      context.reportError(new GraphQLError(`Float cannot represent non numeric value: ${node.value}`, { nodes: node }));
    }
  },
});
