import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { RequiresRole } from '@herck/common';
import { OrdersContext } from '../../context';
import { orderCurrency } from '../order/order-rules';
import { orderStatistics } from './order-statistics';
import { OrderPeriodStatistics, StatisticsPeriod } from './order-statistics.type';

@Resolver()
export class OrderStatisticsResolver {
  @RequiresRole('ANALYST', 'ADMIN')
  @Query(() => [OrderPeriodStatistics], { description: 'Order amounts per period and currency: count, total, min, max, median, average (analysts and admins)' })
  orderStatistics(
    @Arg('period', () => StatisticsPeriod, { description: 'Group by day, week or month' }) period: StatisticsPeriod,
    @Arg('from', () => Date, { description: 'Orders placed at or after this time' }) from: Date,
    @Arg('to', () => Date, { description: 'Orders placed before this time' }) to: Date,
    @Arg('currency', () => String, { nullable: true, description: 'Only this currency' }) currency: string | null,
    @Ctx() context: OrdersContext,
  ): Promise<OrderPeriodStatistics[]> {
    return orderStatistics(context.em, period, from, to, currency !== null && currency !== undefined ? orderCurrency(currency) : null);
  }
}
