import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLSchema, parse } from 'graphql';
import { buildSchema, BuildSchemaOptions, createResolversMap, getMetadataStorage } from 'type-graphql';
import { CALLER_SCOPED, CALLER_SCOPED_DEFINITION } from './caller-scoped';
import { enforceRolesInSubgraph } from './enforce-roles';
import { REQUIRES_ROLE, REQUIRES_ROLE_DEFINITION } from './requires-role';
import { DateTimeScalar } from './scalars';

const FEDERATION_LINK = `@link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@external", "@requires", "@composeDirective"])`;
const ROLES_LINK = `@link(url: "https://herck.dev/roles/v1.0", import: ["@${REQUIRES_ROLE}", "@${CALLER_SCOPED}"])`;

export type ReferenceResolvers = GraphQLResolverMap<unknown>;

/**
 * Builds a subgraph schema from type-graphql resolvers: type-graphql makes the
 * types, @apollo/subgraph adds the federation fields (`_service`, `_entities`),
 * and `@requiresRole` is composed so the gateway can enforce it.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  // Every subgraph names its times `DateTime` and its exact numbers `Decimal`.
  const schema = await inDecoratorOrder(() => buildSchema({ scalarsMap: [{ type: Date, scalar: DateTimeScalar }], ...options, skipCheck: true }));
  describeRootTypes(schema);
  const typeDefs = parse(`
    extend schema ${FEDERATION_LINK} ${ROLES_LINK} @composeDirective(name: "@${REQUIRES_ROLE}") @composeDirective(name: "@${CALLER_SCOPED}")
    ${REQUIRES_ROLE_DEFINITION}
    ${CALLER_SCOPED_DEFINITION}
    ${printSchemaWithDirectives(schema)}
  `);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, typeResolvers] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...(typeResolvers as object) };
  }
  return enforceRolesInSubgraph(buildSubgraphSchema({ typeDefs, resolvers }));
}

/** The same words in every subgraph, so composition keeps them for the supergraph's root types. */
const ROOT_DESCRIPTIONS = {
  Query: 'Everything that can be read; each field says which role it needs',
  Mutation: 'Everything that can be changed; each field says which role it needs',
  Subscription: 'Live data over graphql-ws on the same URL (subprotocol graphql-transport-ws): one event per change',
};

function describeRootTypes(schema: GraphQLSchema): void {
  const roots = { Query: schema.getQueryType(), Mutation: schema.getMutationType(), Subscription: schema.getSubscriptionType() };
  for (const [name, type] of Object.entries(roots)) if (type) type.description ??= ROOT_DESCRIPTIONS[name as keyof typeof roots];
}

/**
 * Runs a type-graphql build and puts its process-wide lists of directives and extensions back as
 * the decorators left them. Its build reverses them in place (decorators apply bottom-up), which
 * is right for the first build in a process only: the next one (a subgraph started again, several
 * subgraphs or test files in one process) got every field's directives the other way round.
 */
async function inDecoratorOrder<T>(build: () => Promise<T>): Promise<T> {
  const storage = getMetadataStorage();
  const lists: unknown[][] = [storage.classDirectives, storage.fieldDirectives, storage.argumentDirectives, storage.classExtensions, storage.fieldExtensions];
  try {
    return await build();
  } finally {
    // The build reversed each exactly once (and adds nothing to them).
    for (const list of lists) list.reverse();
  }
}
