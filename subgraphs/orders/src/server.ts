import { Logger, NotificationListener, ORDERS_FILLED, RunningSubgraph, startSubgraph } from '@herck/common';
import { createOrdersContext } from './context';
import { OrdersConfig } from './env';
import { AccountOrdersResolver, OrderConnectionResolver, OrderResolver } from './modules/order/order.resolver';
import { OrderService } from './modules/order/order.service';
import { accountEventHandlers } from './modules/order/account-events.handler';
import { marketEventHandlers } from './modules/price/market-events.handler';
import { PRICES_CHANNEL, PriceCache } from './modules/price/price-cache';
import { OrderStatisticsResolver } from './modules/statistics/order-statistics.resolver';
import { buildOrdersSchema } from './schema';
import { ordersStore } from './store';

export interface OrdersServiceOverrides {
  /** The clock orders are priced and dated by (tests). */
  now?: () => Date;
}

export interface RunningOrders extends RunningSubgraph {
  prices: PriceCache;
}

/** Builds the orders subgraph: buy orders priced from a cache of market data that events keep current. */
export async function startOrdersService(config: OrdersConfig, logger: Logger, overrides: OrdersServiceOverrides = {}): Promise<RunningOrders> {
  const prices = new PriceCache();
  let loaded = false;
  let announcements: NotificationListener | undefined;
  const subgraph = await startSubgraph(config, logger, {
    ...ordersStore,
    buildSchema: (runtime) => {
      const service = new OrderService(prices, config, runtime.publishEvents, overrides.now);
      return buildOrdersSchema(
        new Map<Function, object>([
          [OrderResolver, new OrderResolver(service)],
          [AccountOrdersResolver, new AccountOrdersResolver()],
          [OrderConnectionResolver, new OrderConnectionResolver()],
          [OrderStatisticsResolver, new OrderStatisticsResolver()],
        ]),
      );
    },
    createContext: (base) => createOrdersContext(base),
    eventHandlers: { ...marketEventHandlers(prices, logger, overrides.now), ...accountEventHandlers() },
    // Events wait until the cache is loaded from the store, so memory never lags behind it.
    eventHooks: { beforeBatch: async () => loaded },
    // A fill is acted on once (it becomes a portfolio transaction), and orders keeps the order itself: the bus
    // keeps it for a while, and past that until every consumer of fills has applied it.
    busRetention: { types: [ORDERS_FILLED], days: config.eventRetentionDays, untilConsumed: true },
    async onStart(runtime) {
      // Replicas share the bus consumer, so each applies only some batches: the news of the others comes from the store.
      // Listening before the cache is loaded, so no news announced in between is missed.
      const refresh = () => prices.refresh(runtime.orm.em.fork(), overrides.now?.() ?? new Date()).catch((error: unknown) => logger.warn('could not take the prices other replicas stored', { error }));
      announcements = new NotificationListener({ name: 'price listener', databaseUrl: config.databaseUrl, channels: [PRICES_CHANNEL], onNotification: () => void refresh(), onReconnected: refresh, logger });
      await announcements.start();
      await prices.load(runtime.orm.em.fork(), overrides.now?.() ?? new Date());
      loaded = true;
      // The prices published while orders was away are applied before it serves (for at most the bus
      // wait): an order placed at once must not be priced from a round superseded meanwhile.
      await runtime.catchUpEvents();
    },
    async onStop() {
      await announcements?.stop();
    },
  });
  return { ...subgraph, prices };
}
