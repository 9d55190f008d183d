import { randomUUID } from 'node:crypto';
import { Check, Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Authenticated, CandleInterval, CandleIntervalEnum } from '@herck/common';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Indicator } from '../indicator/indicator.type';
import { IndicatorSpec } from '../indicator/indicator-spec';
import { NotificationChannels } from './notification-channels.type';
import { TriggerMode } from './trigger-mode';

/** A user's rule: indicators over a candle series of some assets and a CEL condition over them. */
@ObjectType({ description: 'A rule watched on every tick: indicators over a candle series and a condition over them' })
@Authenticated()
@Entity({ tableName: 'strategies' })
// A user's strategies, newest last (the strategies query pages by it).
@Index({ name: 'strategies_owner_idx', properties: ['ownerId', 'createdAt', 'id'] })
@Check({ name: 'strategies_cooldown_seconds_check', expression: 'cooldown_seconds >= 0' })
export class Strategy {
  [OptionalProps]?: 'enabled' | 'generation' | 'lastError' | 'lastErrorAt' | 'createdAt' | 'updatedAt' | 'webhookUrl' | 'webhookSecret';

  @Field(() => ID, { description: 'Stable strategy id' })
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Field(() => String, { description: 'A name for people' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => [String], { description: 'Ticker symbols watched' })
  @Property({ type: 'text[]' })
  symbols!: string[];

  @Field(() => CandleIntervalEnum, { description: 'The candle series the indicators read; each tick updates its live candle' })
  @Property({ type: 'text' })
  interval!: CandleInterval;

  @Field(() => [Indicator], { description: 'The indicators, by the names the condition uses' })
  @Property({ type: 'json' })
  indicators!: IndicatorSpec[];

  @Field(() => String, { description: 'A CEL expression over price, volume, change24h and the indicators, e.g. `rsi14 < 30.0 && price > sma50`' })
  @Property({ type: 'text' })
  condition!: string;

  @Field(() => TriggerMode, { description: 'When a holding condition raises an alert' })
  @Enum({ items: () => TriggerMode, type: 'text' })
  trigger!: TriggerMode;

  @Field(() => Int, { description: 'At most one alert per symbol within this many seconds' })
  @Property({ type: 'integer' })
  cooldownSeconds!: number;

  @Property({ type: 'boolean' })
  notifyInApp!: boolean;

  @Property({ type: 'boolean' })
  notifyEmail!: boolean;

  @Property({ type: 'text', nullable: true })
  webhookUrl: string | null = null;

  /** Signs webhook bodies; shown to the owner once, when the strategy is created. */
  @Property({ type: 'text', nullable: true, hidden: true })
  webhookSecret: string | null = null;

  @Field(() => Boolean, { description: 'Whether it is evaluated' })
  @Property({ type: 'boolean' })
  enabled = true;

  /**
   * One more at each start afresh (switched back on, a new signal): part of its signal (`signalOf`), so a
   * round evaluated before the start afresh and written after it is seen as made of the strategy before.
   */
  @Property({ type: 'integer' })
  generation = 0;

  @Field(() => String, { nullable: true, description: 'Why the last evaluation failed, if it did' })
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastErrorAt: Date | null = null;

  @Field(() => Date, { description: 'When it was created' })
  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Field(() => NotificationChannels, { description: 'Where its alerts go besides the alerts list' })
  channels(): NotificationChannels {
    return { inApp: this.notifyInApp, email: this.notifyEmail, webhookUrl: this.webhookUrl };
  }
}
