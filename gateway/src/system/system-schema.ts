import { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@herck/common';
import { BackupResolver } from './backup.resolver';
import { SystemResolver } from './system.resolver';

export { GATEWAY_SUBGRAPH } from './gateway-subgraph';

const SYSTEM_RESOLVERS = [SystemResolver, BackupResolver] as const;

/** Resolver instances by class; none when only the SDL is wanted (composition). */
export function buildGatewaySchema(instances: Map<Function, object> = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: SYSTEM_RESOLVERS, container: { get: (someClass) => instances.get(someClass) } });
}
