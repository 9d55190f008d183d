import Decimal from 'decimal.js';
import { LiveFeed } from '../src/modules/live/live-feed';
import { Tick } from '../src/modules/tick/tick.type';

const tick = (symbol: string): Tick => ({
  symbol,
  price: new Decimal(1),
  quoteCurrency: 'USD',
  volume24h: null,
  marketCap: null,
  percentChange1h: null,
  percentChange24h: null,
  source: 'simulated',
  time: new Date(),
});

describe('the live feed', () => {
  it('delivers only the symbols asked for', async () => {
    const feed = new LiveFeed();
    const rounds = feed.rounds(['ETH']);
    const next = rounds.next();
    feed.publishRound([tick('BTC')]);
    feed.publishRound([tick('BTC'), tick('ETH')]);
    expect((await next).value.map((t: Tick) => t.symbol)).toEqual(['ETH']);
    await rounds.return!();
  });

  it('lets go of a subscription at once when it ends, even one no event ever matched', async () => {
    const feed = new LiveFeed();
    const never = feed.rounds(['NOTHING']);
    const pending = never.next();
    feed.publishRound([tick('BTC')]);
    const candles = feed.candles('BTC', 'M1');
    void candles.next();
    expect(feed.listenerCount()).toBe(2);
    await never.return!();
    await candles.return!();
    expect(feed.listenerCount()).toBe(0);
    await expect(pending).resolves.toMatchObject({ done: true });
  });
});
