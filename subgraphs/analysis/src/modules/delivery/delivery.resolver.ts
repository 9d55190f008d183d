import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Authenticated } from '@herck/common';
import { AnalysisContext } from '../../context';
import { callerId } from '../strategy/strategy.resolver';
import { StrategyService } from '../strategy/strategy.service';
import { DeliveryRow } from './delivery-row';
import { WebhookDelivery } from './delivery.type';

const LISTED = 100;

@Resolver()
export class DeliveryResolver {
  constructor(private readonly strategies: StrategyService) {}

  @Authenticated()
  @Query(() => [WebhookDelivery], { description: "One of your strategies' latest webhook deliveries (100), newest first, with every attempt" })
  async webhookDeliveries(@Arg('strategyId', () => ID, { description: 'One of your strategies' }) strategyId: string, @Ctx() context: AnalysisContext): Promise<WebhookDelivery[]> {
    await this.strategies.own(context.em, callerId(context), strategyId);
    const rows = await context.em.execute<DeliveryRow[]>("SELECT * FROM deliveries WHERE strategy_id = ? AND channel = 'webhook' ORDER BY created_at DESC, id DESC LIMIT ?", [strategyId, LISTED]);
    return rows.map((row) => ({
      id: row.id,
      alertId: row.alert_id,
      url: row.target,
      status: row.status,
      attempts: row.attempts.map((attempt) => ({ at: new Date(attempt.at), httpStatus: attempt.httpStatus, error: attempt.error })),
      nextAttemptAt: row.next_attempt_at && row.status === 'PENDING' ? new Date(row.next_attempt_at) : null,
      createdAt: new Date(row.created_at),
    }));
  }
}
