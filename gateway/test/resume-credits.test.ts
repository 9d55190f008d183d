import { parse } from 'graphql';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Logger } from '@herck/common';
import { RESUME_WINDOW_SECONDS, ResumeCredits, resumeKey } from '../src/live/resume-credits';

const credits = () => new ResumeCredits((duration) => new RateLimiterMemory({ points: 1, duration }), new Logger('test', 'error'));

describe('credits of subscriptions the gateway ended', () => {
  it('give one resumption per subscription ended, then none', async () => {
    const store = credits();
    await store.grant(['a', 'a', 'b']);
    expect([await store.take('a'), await store.take('a'), await store.take('a'), await store.take('b'), await store.take('c')]).toEqual([true, true, false, true, false]);
  });

  it('leave no key behind for a subscription with nothing to resume, and give each credit once to starts at once', async () => {
    let counts: RateLimiterMemory | undefined;
    const store = new ResumeCredits((duration) => (counts = new RateLimiterMemory({ points: 1, duration })), new Logger('test', 'error'));
    expect(await store.take('a')).toBe(false);
    const period = Math.floor(Date.now() / (RESUME_WINDOW_SECONDS * 1000));
    expect([await counts!.get(`a:${period - 1}`), await counts!.get(`a:${period}`)]).toEqual([null, null]);
    await store.grant(['a', 'a']);
    expect((await Promise.all([store.take('a'), store.take('a'), store.take('a')])).filter(Boolean)).toHaveLength(2);
    await store.grant(['a']);
    expect(await store.take('a')).toBe(true);
  });

  it('are sent to their store before grant returns, for what is sent after them to find them', () => {
    const counts = new RateLimiterMemory({ points: 1, duration: 120 });
    const sent: string[] = [];
    // A store that never answers: the gateway's close must not wait for it.
    counts.reward = (key: string) => (sent.push(key), new Promise(() => undefined));
    const store = new ResumeCredits(() => counts, new Logger('test', 'error'));
    void store.grant(['a', 'b', 'a']);
    expect(sent.map((key) => key.split(':')[0])).toEqual(['a', 'b']);
  });

  it('key by account, document as printed and variables whatever their key order', () => {
    const key = resumeKey('1', parse('subscription { ticks(symbols: ["BTC"]) { symbol } }'), undefined, { a: 1, b: { c: 2, d: 3 } });
    expect(resumeKey('1', parse('subscription {ticks(symbols:["BTC"]){symbol}}'), undefined, { b: { d: 3, c: 2 }, a: 1 })).toBe(key);
    expect(resumeKey('2', parse('subscription { ticks(symbols: ["BTC"]) { symbol } }'), undefined, { a: 1, b: { c: 2, d: 3 } })).not.toBe(key);
    expect(resumeKey('1', parse('subscription { ticks(symbols: ["BTC"]) { symbol } }'), undefined, { a: 2, b: { c: 2, d: 3 } })).not.toBe(key);
  });
});

describe('the life of a credit', () => {
  afterEach(() => jest.useRealTimers());

  it('is the whole window from its own grant, whatever credits its key already held', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-06T12:00:10Z') });
    const store = credits();
    await store.grant(['a']);
    jest.advanceTimersByTime(1_000);
    expect(await store.take('a')).toBe(true);
    // The socket it resumed on is ended by the gateway 45 s after the first credit: this one's minute starts now.
    jest.advanceTimersByTime(44_000);
    await store.grant(['a']);
    jest.advanceTimersByTime(59_000);
    expect(await store.take('a')).toBe(true);
  });

  it('ends: a subscription started again two windows later costs its operation', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-06T12:00:10Z') });
    const store = credits();
    await store.grant(['a']);
    jest.advanceTimersByTime(2 * RESUME_WINDOW_SECONDS * 1000);
    expect(await store.take('a')).toBe(false);
  });
});
