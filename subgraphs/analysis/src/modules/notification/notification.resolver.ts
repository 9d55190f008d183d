import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Authenticated, Connection, connectionType, decodeTimeIdCursor, encodeTimeIdCursor, pageInfoOf, pageSize } from '@herck/common';
import { AnalysisContext } from '../../context';
import { markOwnRows } from '../paging/mark-own-rows';
import { callerId } from '../strategy/strategy.resolver';
import { Notification, NotificationRow, toNotification } from './notification.type';

export const NotificationConnection = connectionType(Notification, 'Notification', 'notification');

@Resolver()
export class NotificationResolver {
  @Authenticated()
  @Query(() => NotificationConnection, { description: 'Your in-app notifications, newest first' })
  async notifications(
    @Arg('unreadOnly', () => Boolean, { nullable: true, description: 'Only those not marked read' }) unreadOnly: boolean | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last notification already seen' }) after: string | null,
    @Ctx() context: AnalysisContext,
  ): Promise<Connection<Notification>> {
    const size = pageSize(first);
    const conditions = ['owner_id = ?'];
    const params: unknown[] = [callerId(context)];
    if (unreadOnly) conditions.push('read_at IS NULL');
    if (after) {
      const position = decodeTimeIdCursor('notifications', after);
      conditions.push('(created_at, id) < (?, ?)');
      params.push(position.time, position.id);
    }
    const rows = await context.em.execute<NotificationRow[]>(`SELECT * FROM notifications WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`, [...params, size + 1]);
    const nodes = rows.slice(0, size).map(toNotification);
    const edges = nodes.map((node) => ({ node, cursor: encodeTimeIdCursor('notifications', node.createdAt, node.id) }));
    return { edges, nodes, pageInfo: pageInfoOf(edges, rows.length > size, Boolean(after)) };
  }

  @Authenticated()
  @Mutation(() => Int, { description: 'Marks your notifications read; returns how many were not already. Any id that is not one of yours: NOT_FOUND, nothing changed' })
  markNotificationsRead(@Arg('ids', () => [ID], { description: 'Notification ids (at most 1000)' }) ids: string[], @Ctx() context: AnalysisContext): Promise<number> {
    return markOwnRows(context.em, 'notifications', 'Notification', callerId(context), ids, 'read_at = now()', 'read_at IS NULL');
  }
}
