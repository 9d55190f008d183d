import { GraphQLError, GraphQLFormattedError } from 'graphql';

/**
 * An error already in its wire form (masked, or formatted by Apollo Server):
 * graphql-ws sends `error.toJSON()`, which here returns it unchanged, so
 * locations and extensions survive and nothing is formatted twice.
 */
export class PreformattedError extends GraphQLError {
  constructor(readonly formatted: GraphQLFormattedError) {
    super(formatted.message);
  }

  override toJSON(): GraphQLFormattedError {
    return this.formatted;
  }
}
