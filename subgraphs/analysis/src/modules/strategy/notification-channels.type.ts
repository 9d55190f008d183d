import { Field, InputType, ObjectType } from 'type-graphql';

@ObjectType({ description: "Where a strategy's alerts are sent besides the alerts list and subscription" })
export class NotificationChannels {
  @Field(() => Boolean, { description: 'An in-app notification (`notifications`)' })
  inApp!: boolean;

  @Field(() => Boolean, { description: "A mail to the owner's address" })
  email!: boolean;

  @Field(() => String, { nullable: true, description: 'A signed POST of the alert as JSON to this URL' })
  webhookUrl!: string | null;
}

@InputType({ description: "Where a strategy's alerts are sent" })
export class NotificationChannelsInput {
  @Field(() => Boolean, { defaultValue: true, description: 'An in-app notification (default true)' })
  inApp!: boolean;

  @Field(() => Boolean, { defaultValue: false, description: "A mail to the owner's address (default false)" })
  email!: boolean;

  @Field(() => String, { nullable: true, description: 'https URL to POST each alert to, signed with the strategy’s webhook secret' })
  webhookUrl?: string | null;
}

@InputType({ description: "Changes to where a strategy's alerts are sent; omitted fields stay as they are" })
export class NotificationChannelsUpdate {
  @Field(() => Boolean, { nullable: true, description: 'An in-app notification' })
  inApp?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "A mail to the owner's address" })
  email?: boolean | null;

  @Field(() => String, { nullable: true, description: 'https URL to POST each alert to; null (or empty) removes the webhook' })
  webhookUrl?: string | null;
}
