import { GraphQLSchema } from 'graphql';
import { PubSub } from 'type-graphql';
import { buildFederatedSchema } from '@herck/common';
import { marketReferenceResolvers } from './modules/asset/asset.reference';
import { AssetResolver } from './modules/asset/asset.resolver';
import { CandleResolver } from './modules/candle/candle.resolver';
import { FxRateResolver } from './modules/fx/fx-rate.resolver';
import { GlobalMetricsResolver } from './modules/global/global-metrics.resolver';
import { LiveResolver } from './modules/live/live.resolver';
import { ProviderResolver } from './modules/provider/provider.resolver';
import { MarketSnapshotResolver } from './modules/snapshot/market-snapshot.resolver';
import { TickResolver } from './modules/tick/tick.resolver';

/**
 * type-graphql insists on a PubSub once a schema has subscriptions; ours
 * subscribe to the LiveFeed directly (`subscribe` functions), never to topics.
 */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('market subscriptions use the LiveFeed, not PubSub topics');
  },
  subscribe: () => {
    throw new Error('market subscriptions use the LiveFeed, not PubSub topics');
  },
};

/** Resolver instances by class; empty when only the SDL is wanted (composition). */
export type ResolverInstances = Map<Function, object>;

export const MARKET_RESOLVERS = [
  AssetResolver,
  TickResolver,
  GlobalMetricsResolver,
  CandleResolver,
  MarketSnapshotResolver,
  FxRateResolver,
  ProviderResolver,
  LiveResolver,
] as const;

export function buildMarketSchema(instances: ResolverInstances = new Map()): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: MARKET_RESOLVERS, container: { get: (someClass) => instances.get(someClass) }, pubSub: NO_TOPICS },
    marketReferenceResolvers,
  );
}
