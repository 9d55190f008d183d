import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An in-app notice of an alert' })
export class Notification {
  @Field(() => ID, { description: 'Notification id' })
  id!: string;

  @Field(() => ID, { nullable: true, description: 'The alert it tells of' })
  alertId!: string | null;

  @Field(() => String, { description: 'What happened' })
  message!: string;

  @Field(() => Date, { description: 'When it was raised' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the owner marked it read' })
  readAt!: Date | null;
}

export interface NotificationRow {
  id: string;
  alert_id: string | null;
  message: string;
  created_at: Date;
  read_at: Date | null;
}

export function toNotification(row: NotificationRow): Notification {
  return Object.assign(new Notification(), {
    id: row.id,
    alertId: row.alert_id,
    message: row.message,
    createdAt: new Date(row.created_at),
    readAt: row.read_at ? new Date(row.read_at) : null,
  });
}
