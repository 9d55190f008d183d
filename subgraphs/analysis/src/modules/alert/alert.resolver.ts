import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, SubscribeResolverData } from 'type-graphql';
import { Authenticated, CallerScoped, Connection, connectionType, decodeTimeIdCursor, encodeTimeIdCursor, pageInfoOf, pageSize } from '@herck/common';
import { AnalysisContext } from '../../context';
import { AssetReference } from '../asset/asset.type';
import { markOwnRows } from '../paging/mark-own-rows';
import { Strategy } from '../strategy/strategy.entity';
import { callerId } from '../strategy/strategy.resolver';
import { Alert } from './alert.type';
import { readAlerts } from './read-alerts';

export const AlertConnection = connectionType(Alert, 'Alert', 'alert');

@Resolver(() => Alert)
export class AlertResolver {
  @Authenticated()
  @Query(() => AlertConnection, { description: 'Your alerts, newest first; `since` reads what you missed while offline' })
  async alerts(
    @Arg('since', () => Date, { nullable: true, description: 'Only alerts raised at or after this time' }) since: Date | null,
    @Arg('unacknowledgedOnly', () => Boolean, { nullable: true, description: 'Only alerts not acknowledged yet' }) unacknowledgedOnly: boolean | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last alert already seen' }) after: string | null,
    @Ctx() context: AnalysisContext,
  ): Promise<Connection<Alert>> {
    const size = pageSize(first);
    const conditions = ['owner_id = ?'];
    const params: unknown[] = [callerId(context)];
    if (since) (conditions.push('triggered_at >= ?'), params.push(since));
    if (unacknowledgedOnly) conditions.push('NOT acknowledged');
    if (after) {
      const position = decodeTimeIdCursor('alerts', after);
      conditions.push('(triggered_at, id) < (?, ?)');
      params.push(position.time, position.id);
    }
    const alerts = await readAlerts(context.em, `SELECT * FROM alerts WHERE ${conditions.join(' AND ')} ORDER BY triggered_at DESC, id DESC LIMIT ?`, [...params, size + 1]);
    const nodes = alerts.slice(0, size);
    const edges = nodes.map((node) => ({ node, cursor: encodeTimeIdCursor('alerts', node.triggeredAt, node.id) }));
    return { edges, nodes, pageInfo: pageInfoOf(edges, alerts.length > size, Boolean(after)) };
  }

  @Authenticated()
  @Mutation(() => Int, { description: 'Marks your alerts acknowledged; returns how many were not already. Any id that is not one of your alerts: NOT_FOUND, nothing changed' })
  acknowledgeAlerts(@Arg('ids', () => [ID], { description: 'Alert ids (at most 1000)' }) ids: string[], @Ctx() context: AnalysisContext): Promise<number> {
    return markOwnRows(context.em, 'alerts', 'Alert', callerId(context), ids, 'acknowledged = true', 'NOT acknowledged');
  }

  @Authenticated()
  @CallerScoped()
  @Subscription(() => Alert, {
    name: 'alerts',
    description: 'Your alerts as they are raised (each is stored before it is published)',
    subscribe: ({ context }: SubscribeResolverData<unknown, Record<string, never>, AnalysisContext>) => context.liveAlerts.of(callerId(context), context.resumedSince),
  })
  alertRaised(@Root() alert: Alert): Alert {
    return alert;
  }

  @FieldResolver(() => Strategy, { description: 'The strategy that raised it' })
  strategy(@Root() alert: Alert): Strategy {
    return alert.strategyAsRead;
  }

  @FieldResolver(() => AssetReference, { description: 'The asset it fired for (market data: e.g. `asset { latestTick { price } }`)' })
  asset(@Root() alert: Alert): AssetReference {
    return { symbol: alert.symbol };
  }
}
