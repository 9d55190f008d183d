import { GraphQLSchema } from 'graphql';
import { PubSub } from 'type-graphql';
import { buildFederatedSchema } from '@herck/common';
import { AlertResolver } from './modules/alert/alert.resolver';
import { BacktestResolver } from './modules/backtest/backtest.resolver';
import { DeliveryResolver } from './modules/delivery/delivery.resolver';
import { NotificationResolver } from './modules/notification/notification.resolver';
import { PortfolioResolver } from './modules/portfolio/portfolio.resolver';
import { StrategyResolver } from './modules/strategy/strategy.resolver';

/** type-graphql insists on a PubSub once a schema has subscriptions; alerts subscribe to LiveAlerts directly. */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('analysis subscriptions use LiveAlerts, not PubSub topics');
  },
  subscribe: () => {
    throw new Error('analysis subscriptions use LiveAlerts, not PubSub topics');
  },
};

/** Resolver instances by class; empty when only the SDL is wanted (composition). */
export type ResolverInstances = Map<Function, object>;

export const ANALYSIS_RESOLVERS = [StrategyResolver, AlertResolver, NotificationResolver, DeliveryResolver, BacktestResolver, PortfolioResolver] as const;

export function buildAnalysisSchema(instances: ResolverInstances = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: ANALYSIS_RESOLVERS, container: { get: (someClass) => instances.get(someClass) }, pubSub: NO_TOPICS });
}
