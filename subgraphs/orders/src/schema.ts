import { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, ReferenceResolvers } from '@herck/common';
import { AccountOrdersResolver, OrderConnectionResolver, OrderResolver } from './modules/order/order.resolver';
import { OrderStatisticsResolver } from './modules/statistics/order-statistics.resolver';

/** Resolver instances by class; empty when only the SDL is wanted (composition). */
export type ResolverInstances = Map<Function, object>;

export const ORDERS_RESOLVERS = [OrderResolver, AccountOrdersResolver, OrderConnectionResolver, OrderStatisticsResolver] as const;

/** Orders adds fields to accounts it only knows by id. */
const referenceResolvers: ReferenceResolvers = {
  Account: { __resolveReference: (reference: { id: string }) => ({ id: reference.id }) },
};

export function buildOrdersSchema(instances: ResolverInstances = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: ORDERS_RESOLVERS, container: { get: (someClass) => instances.get(someClass) } }, referenceResolvers);
}
