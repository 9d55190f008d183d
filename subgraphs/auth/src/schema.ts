import { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@herck/common';
import { authReferenceResolvers } from './modules/credential/account.reference';
import { AuthAccount } from './modules/credential/account.type';
import { CredentialResolver } from './modules/credential/credential.resolver';
import { LoginResolver } from './modules/login/login.resolver';

/** Resolver instances by class; empty when only the SDL is wanted (composition). */
export type ResolverInstances = Map<Function, object>;

export function buildAuthSchema(instances: ResolverInstances = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [CredentialResolver, LoginResolver],
      orphanedTypes: [AuthAccount],
      container: { get: (someClass) => instances.get(someClass) },
    },
    authReferenceResolvers,
  );
}
