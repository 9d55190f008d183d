import { BusConsumers } from '../src/system/bus-consumers';

describe('BusConsumers', () => {
  it('keeps listing a consumer that stopped answering, its lag from its last position and the newest one others report', () => {
    const consumers = new BusConsumers();
    const report = (consumer: string, position: number, newest: number, deadLetters = 0) => ({ consumer, lag: newest - position, deadLetters, position: String(position), newest: String(newest) });
    expect(consumers.update([report('auth', 10, 10), report('orders', 9, 10, 2)]).map(({ consumer, lag }) => [consumer, lag])).toEqual([
      ['auth', 0],
      ['orders', 1],
    ]);
    // orders no longer answers; 15 more events are published.
    expect(consumers.update([report('auth', 25, 25)]).map(({ consumer, lag, deadLetters }) => [consumer, lag, deadLetters])).toEqual([
      ['auth', 0, 0],
      ['orders', 16, 2],
    ]);
    // Nobody answers: the last reports stand.
    expect(consumers.update([]).map(({ consumer, lag }) => [consumer, lag])).toEqual([
      ['auth', 0],
      ['orders', 16],
    ]);
  });
});
