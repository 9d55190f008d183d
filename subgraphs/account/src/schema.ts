import { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@herck/common';
import { AccountConnectionResolver, AccountResolver } from './modules/account/account.resolver';
import { accountReferenceResolvers } from './modules/account/account.reference';
import { RegistrationResolver } from './modules/registration/registration.resolver';

/** Resolver instances by class; empty when only the SDL is wanted (composition). */
export type ResolverInstances = Map<Function, object>;

export function buildAccountSchema(instances: ResolverInstances = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [AccountResolver, AccountConnectionResolver, RegistrationResolver], container: { get: (someClass) => instances.get(someClass) } },
    accountReferenceResolvers,
  );
}
