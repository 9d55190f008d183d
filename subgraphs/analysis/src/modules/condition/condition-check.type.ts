import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One problem with a condition' })
export class ConditionError {
  @Field(() => String, { description: 'What is wrong' })
  message!: string;

  @Field(() => Int, { description: 'Where: a 0-based character offset into the condition' })
  position!: number;
}

@ObjectType({ description: 'Whether a condition would be accepted' })
export class ConditionCheck {
  @Field(() => Boolean, { description: 'True when it parses, type-checks and is a bool' })
  valid!: boolean;

  @Field(() => [ConditionError], { description: 'What is wrong (empty when valid)' })
  errors!: ConditionError[];
}
