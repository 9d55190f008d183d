import { connectionType } from '@herck/common';
import { Field, ObjectType } from 'type-graphql';
import { Strategy } from './strategy.entity';

@ObjectType({ description: 'A new strategy and its webhook secret' })
export class CreateStrategyPayload {
  @Field(() => Strategy, { description: 'The strategy' })
  strategy!: Strategy;

  @Field(() => String, { description: 'Signs its webhook POSTs (Herck-Signature); shown only here, keep it' })
  webhookSecret!: string;
}

export const StrategyConnection = connectionType(Strategy, 'Strategy', 'strategy', 'strategies');
