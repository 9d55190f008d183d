import { parse } from 'graphql';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Logger } from '@herck/common';
import { ResumeCredits, resumeKey } from '../src/live/resume-credits';

const credits = () => new ResumeCredits(new RateLimiterMemory({ points: 1, duration: 60 }), new Logger('test', 'error'));

describe('credits of subscriptions the gateway ended', () => {
  it('give one resumption per subscription ended, then none', async () => {
    const store = credits();
    await store.grant(['a', 'a', 'b']);
    expect([await store.take('a'), await store.take('a'), await store.take('a'), await store.take('b'), await store.take('c')]).toEqual([true, true, false, true, false]);
  });

  it('leave no key behind for a subscription with nothing to resume, and give each credit once to starts at once', async () => {
    const counts = new RateLimiterMemory({ points: 1, duration: 60 });
    const store = new ResumeCredits(counts, new Logger('test', 'error'));
    expect(await store.take('a')).toBe(false);
    expect(await counts.get('a')).toBeNull();
    await store.grant(['a', 'a']);
    expect((await Promise.all([store.take('a'), store.take('a'), store.take('a')])).filter(Boolean)).toHaveLength(2);
    await store.grant(['a']);
    expect(await store.take('a')).toBe(true);
  });

  it('key by account, document as printed and variables whatever their key order', () => {
    const key = resumeKey('1', parse('subscription { ticks(symbols: ["BTC"]) { symbol } }'), undefined, { a: 1, b: { c: 2, d: 3 } });
    expect(resumeKey('1', parse('subscription {ticks(symbols:["BTC"]){symbol}}'), undefined, { b: { d: 3, c: 2 }, a: 1 })).toBe(key);
    expect(resumeKey('2', parse('subscription { ticks(symbols: ["BTC"]) { symbol } }'), undefined, { a: 1, b: { c: 2, d: 3 } })).not.toBe(key);
    expect(resumeKey('1', parse('subscription { ticks(symbols: ["BTC"]) { symbol } }'), undefined, { a: 2, b: { c: 2, d: 3 } })).not.toBe(key);
  });
});
