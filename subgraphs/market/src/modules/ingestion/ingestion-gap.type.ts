import { Field, ObjectType } from 'type-graphql';

/** A round that did not happen. */
@ObjectType({ description: 'An ingestion round that did not happen, and why (admins)' })
export class IngestionGap {
  @Field(() => Date, { description: 'The round time that was missed (UTC)' })
  time!: Date;

  @Field(() => String, { description: 'Why it was missed' })
  reason!: string;

  @Field(() => Date, { description: 'When the gap was recorded' })
  recordedAt!: Date;
}
