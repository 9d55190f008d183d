import { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@herck/common';
import { LogResolver } from './modules/entry/log.resolver';
import { ServiceStatusResolver } from './modules/status/service-status.resolver';

/** Resolver instances by class; empty when only the SDL is wanted (composition). */
export type ResolverInstances = Map<Function, object>;

export const LOGS_RESOLVERS = [LogResolver, ServiceStatusResolver] as const;

export function buildLogsSchema(instances: ResolverInstances = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: LOGS_RESOLVERS, container: { get: (someClass) => instances.get(someClass) } });
}
