import { CandleInterval, CandleIntervalEnum } from '@herck/common';
import { Field, InputType, Int } from 'type-graphql';
import { IndicatorInput } from '../indicator/indicator.type';
import { NotificationChannelsInput, NotificationChannelsUpdate } from './notification-channels.type';
import { TriggerMode } from './trigger-mode';

@InputType({ description: 'A new strategy' })
export class CreateStrategyInput {
  @Field(() => String, { description: 'A name for people, 1–100 characters' })
  name!: string;

  @Field(() => [String], { description: 'Ticker symbols to watch (1–20 tracked symbols)' })
  symbols!: string[];

  @Field(() => CandleIntervalEnum, { defaultValue: 'M1', description: 'The candle series the indicators read (default M1)' })
  interval!: CandleInterval;

  @Field(() => [IndicatorInput], { description: 'Indicators, by the names the condition uses (at most 20)' })
  indicators!: IndicatorInput[];

  @Field(() => String, { description: 'A CEL expression, e.g. `rsi14 < 30.0 && price > sma50` (at most 1000 characters)' })
  condition!: string;

  @Field(() => TriggerMode, { defaultValue: TriggerMode.ON_CROSS, description: 'When a holding condition raises an alert (default ON_CROSS)' })
  trigger!: TriggerMode;

  @Field(() => Int, { defaultValue: 0, description: 'At most one alert per symbol within this many seconds (default 0: every crossing)' })
  cooldownSeconds!: number;

  @Field(() => NotificationChannelsInput, { nullable: true, description: 'Where alerts go (default: in-app only)' })
  channels?: NotificationChannelsInput | null;
}

@InputType({ description: 'Changes to a strategy; omitted fields stay as they are' })
export class UpdateStrategyInput {
  @Field(() => String, { nullable: true, description: 'A new name' })
  name?: string | null;

  @Field(() => [String], { nullable: true, description: 'Symbols to watch instead' })
  symbols?: string[] | null;

  @Field(() => CandleIntervalEnum, { nullable: true, description: 'Another candle series' })
  interval?: CandleInterval | null;

  @Field(() => [IndicatorInput], { nullable: true, description: 'Replaces all indicators' })
  indicators?: IndicatorInput[] | null;

  @Field(() => String, { nullable: true, description: 'A new condition (checked against the indicators)' })
  condition?: string | null;

  @Field(() => TriggerMode, { nullable: true, description: 'Another trigger mode' })
  trigger?: TriggerMode | null;

  @Field(() => Int, { nullable: true, description: 'Another cooldown' })
  cooldownSeconds?: number | null;

  @Field(() => NotificationChannelsUpdate, { nullable: true, description: 'Changes to the channels; the ones omitted stay' })
  channels?: NotificationChannelsUpdate | null;
}
