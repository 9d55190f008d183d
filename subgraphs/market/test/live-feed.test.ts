import Decimal from 'decimal.js';
import { MetricsRegistry, parsePrometheusText, sampleValue } from '@herck/common';
import { LiveFeed } from '../src/modules/live/live-feed';
import { roundPublicationDelay } from '../src/modules/live/round-publication.metrics';
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

  it("times each round from its time to its publication, against the schedule's clock", async () => {
    const metrics = new MetricsRegistry('market');
    const feed = new LiveFeed();
    const roundTime = new Date('2026-12-07T12:00:00Z');
    let now = roundTime.getTime() + 25;
    feed.timePublications(roundPublicationDelay(metrics), () => now);
    feed.publishRound([{ ...tick('BTC'), time: roundTime }]);
    now = roundTime.getTime() + 1_000 + 7;
    feed.publishRound([{ ...tick('BTC'), time: new Date(roundTime.getTime() + 1_000) }]);
    // A round with no tick publishes nothing, and is not timed.
    feed.publishRound([]);
    const samples = parsePrometheusText(await metrics.exposition());
    expect(sampleValue(samples, 'herck_market_round_published_seconds_count')).toBe(2);
    expect(sampleValue(samples, 'herck_market_round_published_seconds_sum')).toBeCloseTo(0.032, 6);
    expect(sampleValue(samples, 'herck_market_round_published_seconds_bucket', { le: '0.01' })).toBe(1);
  });
});
