import { registerEnumType } from 'type-graphql';

/** When a strategy whose condition holds raises an alert. */
export enum TriggerMode {
  ON_CROSS = 'ON_CROSS',
  ON_CLOSE = 'ON_CLOSE',
  ONCE = 'ONCE',
}

registerEnumType(TriggerMode, {
  name: 'TriggerMode',
  description: 'When a strategy whose condition holds raises an alert',
  valuesConfig: {
    ON_CROSS: { description: 'On every tick, when the condition turns from false to true (the default)' },
    ON_CLOSE: { description: 'Only when a candle of the strategy’s interval closes, if the condition then holds' },
    ONCE: { description: 'When the condition first turns true; the strategy then disables itself' },
  },
});
