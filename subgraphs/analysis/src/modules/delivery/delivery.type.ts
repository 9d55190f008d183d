import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum DeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(DeliveryStatus, {
  name: 'DeliveryStatus',
  description: 'Where a webhook delivery stands',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet; retried with exponential backoff' },
    DELIVERED: { description: 'The receiver answered 2xx' },
    FAILED: { description: 'Given up after retrying for the retry window (24 h by default)' },
  },
});

@ObjectType({ description: 'One try at delivering a webhook' })
export class DeliveryAttempt {
  @Field(() => Date, { description: 'When it was tried' })
  at!: Date;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status (null when no answer came)" })
  httpStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong, when it did' })
  error!: string | null;
}

@ObjectType({ description: "One alert's webhook POST and its tries" })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Delivery id (also sent as the Herck-Delivery header)' })
  id!: string;

  @Field(() => ID, { description: 'The alert delivered' })
  alertId!: string;

  @Field(() => String, { description: 'Where it is posted' })
  url!: string;

  @Field(() => DeliveryStatus, { description: 'Where it stands' })
  status!: DeliveryStatus;

  @Field(() => [DeliveryAttempt], { description: 'Every try so far, oldest first' })
  attempts!: DeliveryAttempt[];

  @Field(() => Date, { nullable: true, description: 'When it is tried next (null once delivered or failed)' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { description: 'When the delivery was queued: when analysis stored the alert (the alert’s triggeredAt is the time of its round)' })
  createdAt!: Date;
}
